//! Durations and IP ranges as lab authors write them in YAML (`90s`, `15m`, `2h`, `7d`;
//! `10.0.0.0/8`, `192.168.1.10-192.168.1.20`).

use serde::{Deserialize, Deserializer};
use std::net::IpAddr;
use std::time::Duration;

/// A duration read from `600`, `"90s"`, `"15m"`, `"2h"` or `"7d"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span(pub Duration);

impl Span {
    pub fn secs(s: u64) -> Span {
        Span(Duration::from_secs(s))
    }

    pub fn parse(text: &str) -> Result<Span, String> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (digits, unit) = t.split_at(split);
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("'{text}' is not a duration; write e.g. 90s, 15m, 2h or 7d"))?;
        let mult = match unit.trim() {
            "" | "s" => 1,
            "m" | "min" => 60,
            "h" => 3600,
            "d" => 86_400,
            other => return Err(format!("'{other}' is not a time unit; use s, m, h or d")),
        };
        Ok(Span(Duration::from_secs(n.saturating_mul(mult))))
    }

    /// As a chrono duration, capped at 100 years so that adding it to a date cannot overflow.
    pub fn chrono(self) -> chrono::Duration {
        let cap = chrono::Duration::days(36_500);
        chrono::Duration::from_std(self.0)
            .map(|d| d.min(cap))
            .unwrap_or(cap)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Span, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Secs(s) => Ok(Span::secs(s)),
            Raw::Text(t) => Span::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

/// An inclusive range of addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    start: IpAddr,
    end: IpAddr,
}

impl IpRange {
    pub fn parse(text: &str) -> Result<IpRange, String> {
        let t = text.trim();
        let bad =
            || format!("'{text}' is not an IP range; write 10.0.0.0/8, 1.2.3.4-1.2.3.9 or 1.2.3.4");
        if let Some((a, b)) = t.split_once('-') {
            let start: IpAddr = a.trim().parse().map_err(|_| bad())?;
            let end: IpAddr = b.trim().parse().map_err(|_| bad())?;
            if start.is_ipv4() != end.is_ipv4() || to_u128(start) > to_u128(end) {
                return Err(bad());
            }
            return Ok(IpRange { start, end });
        }
        if let Some((a, bits)) = t.split_once('/') {
            let base: IpAddr = a.trim().parse().map_err(|_| bad())?;
            let width = if base.is_ipv4() { 32 } else { 128 };
            let bits: u32 = bits.trim().parse().map_err(|_| bad())?;
            if bits > width {
                return Err(bad());
            }
            let host_bits = width - bits;
            let mask: u128 = if host_bits >= 128 {
                u128::MAX
            } else {
                (1u128 << host_bits) - 1
            };
            let start = to_u128(base) & !mask;
            let end = start | mask;
            return Ok(IpRange {
                start: from_u128(start, base.is_ipv4()),
                end: from_u128(end, base.is_ipv4()),
            });
        }
        let one: IpAddr = t.parse().map_err(|_| bad())?;
        Ok(IpRange {
            start: one,
            end: one,
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        ip.is_ipv4() == self.start.is_ipv4()
            && (to_u128(self.start)..=to_u128(self.end)).contains(&to_u128(ip))
    }
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u32::from(v4) as u128,
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn from_u128(n: u128, v4: bool) -> IpAddr {
    if v4 {
        IpAddr::V4(std::net::Ipv4Addr::from(n as u32))
    } else {
        IpAddr::V6(std::net::Ipv6Addr::from(n))
    }
}

/// As a lab author would write it: `10.0.0.0/8` for a whole block, `1.2.3.4` for one
/// address, `1.2.3.4-1.2.3.9` otherwise.
impl std::fmt::Display for IpRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.start == self.end {
            return write!(f, "{}", self.start);
        }
        let width = if self.start.is_ipv4() { 32 } else { 128 };
        let span = to_u128(self.end) - to_u128(self.start);
        let host_bits = 128 - span.leading_zeros();
        let whole_block = span.count_ones() == host_bits && to_u128(self.start) & span == 0;
        if whole_block {
            write!(f, "{}/{}", self.start, width - host_bits)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

impl<'de> Deserialize<'de> for IpRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<IpRange, D::Error> {
        let s = String::deserialize(d)?;
        IpRange::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_units() {
        assert_eq!(Span::parse("90s").unwrap(), Span::secs(90));
        assert_eq!(Span::parse("15m").unwrap(), Span::secs(900));
        assert_eq!(Span::parse("2h").unwrap(), Span::secs(7200));
        assert_eq!(Span::parse("7d").unwrap(), Span::secs(604_800));
        assert!(Span::parse("2 fortnights").is_err());
        let huge = Span::parse("99999999999999d").unwrap();
        let _ = chrono::Utc::now() + huge.chrono(); // capped: no overflow
    }

    #[test]
    fn cidr_and_dash_ranges_contain_what_they_should() {
        let r = IpRange::parse("10.0.0.0/8").unwrap();
        assert!(r.contains("10.255.1.2".parse().unwrap()));
        assert!(!r.contains("11.0.0.1".parse().unwrap()));
        let d = IpRange::parse("127.0.0.1-127.0.0.5").unwrap();
        assert!(d.contains("127.0.0.3".parse().unwrap()));
        assert!(d.contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!d.contains("127.0.0.6".parse().unwrap()));
        assert!(IpRange::parse("127.0.0.9-127.0.0.1").is_err());
    }

    #[test]
    fn ranges_are_shown_as_a_lab_author_writes_them() {
        for text in [
            "10.0.0.0/8",
            "0.0.0.0/0",
            "::/0",
            "127.0.0.1",
            "127.0.0.1-127.0.0.5",
        ] {
            assert_eq!(IpRange::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(
            IpRange::parse("10.1.2.3/8").unwrap().to_string(),
            "10.0.0.0/8"
        );
    }
}
