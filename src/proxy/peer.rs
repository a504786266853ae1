//! Which of the learner's processes sent a request. The proxy's peer on loopback is looked up in
//! the kernel's socket table, and the chain of processes from the one holding the socket up to
//! the `./run` sflab started (below sflab and its keeper) is kept with each exchange: the rules can then
//! tell a retry made inside one client process from a client that was started again.
//!
//! Implementation notes:
//! - Linux only (`/proc/net/tcp`, `/proc/<pid>/fd`, `/proc/<pid>/stat`). Elsewhere, and when the
//!   socket's owner is not found or is no descendant of sflab (a client run by hand against
//!   `sflab org serve`, sflab's own tests), the chain is empty and the rules claim nothing
//!   about processes.
//! - Looked up once per connection, as it is accepted: the client is then waiting for the
//!   answer, so it is still there to be found. Processes are searched newest (highest pid)
//!   first, since the sender has usually just started.
//! - A socket shared by several processes (one forked after connecting) is credited to the
//!   newest of them.

use std::net::SocketAddr;

/// How many parents are followed at most (a guard against a table that changes under us).
const MAX_DEPTH: usize = 64;

/// The processes from the owner of the client end of the connection `client` → `server` up to
/// the child of sflab that leads to it (both included), innermost first; empty when unknown.
pub fn process_chain(client: SocketAddr, server: SocketAddr) -> Vec<u32> {
    #[cfg(target_os = "linux")]
    {
        linux::process_chain(client, server)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (client, server);
        Vec::new()
    }
}

/// The inode of the socket whose local port is `client_port` and remote port `server_port`,
/// from the text of `/proc/net/tcp` (ports are hexadecimal after the address's `:`).
pub fn socket_inode(table: &str, client_port: u16, server_port: u16) -> Option<u64> {
    let port = |addr: &str| {
        addr.rsplit_once(':')
            .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
    };
    table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (local, remote, inode) = (cols.get(1)?, cols.get(2)?, cols.get(9)?);
        (port(local)? == client_port && port(remote)? == server_port)
            .then(|| inode.parse().ok())
            .flatten()
            .filter(|i| *i != 0)
    })
}

/// The parent pid in the text of `/proc/<pid>/stat` (`pid (comm) state ppid …`; the command
/// name may hold spaces and parentheses, so the fields are read after its last `)`).
pub fn parent_in_stat(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// The chain from `pid` up to the process whose parent is sflab (both ends included), using
/// `parent` to step and `is_sflab` to recognise sflab (itself, or the keeper it starts the
/// learner's program under); empty when sflab is never reached or `pid` is sflab.
pub fn chain_to(
    pid: u32,
    is_sflab: impl Fn(u32) -> bool,
    parent: impl Fn(u32) -> Option<u32>,
) -> Vec<u32> {
    let mut chain = Vec::new();
    let mut at = pid;
    while chain.len() < MAX_DEPTH && !is_sflab(at) && at > 1 {
        chain.push(at);
        match parent(at) {
            Some(p) if is_sflab(p) => return chain,
            Some(p) => at = p,
            None => break,
        }
    }
    Vec::new()
}

#[cfg(target_os = "linux")]
mod linux {
    use std::net::SocketAddr;

    pub fn process_chain(client: SocketAddr, server: SocketAddr) -> Vec<u32> {
        let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
            return Vec::new();
        };
        let Some(inode) = super::socket_inode(&table, client.port(), server.port()) else {
            return Vec::new();
        };
        let me = std::process::id();
        let Some(owner) = owner_of(inode) else {
            return Vec::new();
        };
        // The keeper the runner starts `./run` under is a copy of sflab (cloned, never
        // exec'd), so it runs sflab's own executable.
        let exe = |pid: u32| std::fs::read_link(format!("/proc/{pid}/exe")).ok();
        let own = exe(me);
        let is_sflab = |pid: u32| pid == me || (own.is_some() && exe(pid) == own);
        super::chain_to(owner, is_sflab, |pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| super::parent_in_stat(&s))
        })
    }

    /// The newest process (other than sflab) holding the socket `inode`.
    fn owner_of(inode: u64) -> Option<u32> {
        crate::procfs::newest_holder_of(&format!("socket:[{inode}]"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1111 1 0000000000000000 100 0 0 10 0
   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 2222 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 3333 1 0000000000000000 20 4 30 10 -1
";

    #[test]
    fn the_client_end_of_a_connection_is_found_by_its_ports() {
        // Client port 0xC350 = 50000 talking to the proxy on 0x1F90 = 8080.
        assert_eq!(socket_inode(TABLE, 50000, 8080), Some(2222));
        assert_eq!(socket_inode(TABLE, 50001, 8080), None);
    }

    #[test]
    fn the_parent_is_read_after_a_command_name_with_spaces_and_parentheses() {
        assert_eq!(
            parent_in_stat("4242 (my (odd) client) S 4200 4242 4242 0"),
            Some(4200)
        );
        assert_eq!(parent_in_stat("garbage"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_child_process_connecting_over_loopback_is_found() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let server = listener.local_addr().expect("addr");
        let mut child = std::process::Command::new("python3")
            .arg("-c")
            .arg(format!(
                "import socket,time; s=socket.create_connection(('127.0.0.1',{})); time.sleep(5)",
                server.port()
            ))
            .spawn()
            .expect("python3 to connect from a child process");
        let (_conn, client) = listener.accept().expect("accept");
        let chain = process_chain(client, server);
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(chain, vec![child.id()]);
    }

    #[test]
    fn the_chain_runs_from_the_sender_up_to_the_child_of_sflab() {
        // 30 (curl) ← 20 (client) ← 10 (./run) ← 5 (sflab) ← 1
        let parent = |pid| match pid {
            30 => Some(20),
            20 => Some(10),
            10 => Some(5),
            5 => Some(1),
            _ => None,
        };
        assert_eq!(chain_to(30, |p| p == 5, parent), vec![30, 20, 10]);
        assert_eq!(chain_to(10, |p| p == 5, parent), vec![10]);
        // A keeper between sflab and ./run (here 10) is sflab's, not the learner's.
        assert_eq!(chain_to(30, |p| p == 5 || p == 10, parent), vec![30, 20]);
        // Not below sflab, or sflab itself: nothing is claimed.
        assert!(chain_to(30, |p| p == 7, parent).is_empty());
        assert!(chain_to(5, |p| p == 5, parent).is_empty());
    }
}
