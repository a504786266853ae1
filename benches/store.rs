//! Store and SOQL benchmarks over 1,000,000 Account records: lookup by Id, lookup by external
//! id, a SOQL query through the external-id index, and a filtered full scan; plus the memory
//! each stored Account-like record costs, measured with a counting global allocator.

use criterion::{black_box, criterion_group, Criterion};
use serde_json::{json, Map, Value};
use sflab::org::soql::{query, QueryOptions};
use sflab::org::{Actor, SfId, Store};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live heap bytes.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static LIVE_BLOCKS: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        LIVE_BLOCKS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        LIVE_BLOCKS.fetch_sub(1, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const RECORDS: usize = 1_000_000;
const INDUSTRIES: [&str; 5] = ["Banking", "Energy", "Retail", "Technology", "Manufacturing"];

fn store_with_erp_id() -> Store {
    let mut store = Store::standard();
    let mut f = sflab::org::schema::FieldDef::new(
        "ERP_Id__c",
        "ERP Id",
        sflab::org::schema::FieldType::String,
    )
    .with_length(40);
    f.external_id = true;
    f.unique = true;
    store.define_field("Account", f).expect("Account exists");
    store
}

/// An Account with ten fields set, like the lessons' sample data.
fn account(i: usize) -> Map<String, Value> {
    let v = json!({
        "Name": format!("Customer {i:07}"),
        "ERP_Id__c": format!("A-{i:07}"),
        "Industry": INDUSTRIES[i % INDUSTRIES.len()],
        "Type": "Customer - Direct",
        "BillingCity": "Rotterdam",
        "BillingCountry": "Netherlands",
        "Phone": "+31 10 000 0000",
        "Website": "https://example.com",
        "NumberOfEmployees": (i % 5000) as i64,
        "AnnualRevenue": (i % 1000) as f64 * 1000.0,
    });
    v.as_object().cloned().unwrap_or_default()
}

fn fill(store: &mut Store, actor: &Actor, n: usize) -> Vec<SfId> {
    (0..n)
        .map(|i| {
            store
                .insert("Account", &account(i), actor)
                .expect("valid account")
        })
        .collect()
}

fn actor() -> Actor {
    Actor::new(SfId::from_15(b"0055g0000000001"), chrono::Utc::now())
}

fn memory_per_record() {
    let n = 200_000;
    let actor = actor();
    let mut store = store_with_erp_id();
    let (before, blocks_before) = (
        LIVE.load(Ordering::Relaxed),
        LIVE_BLOCKS.load(Ordering::Relaxed),
    );
    let ids = fill(&mut store, &actor, n);
    let (after, blocks_after) = (
        LIVE.load(Ordering::Relaxed),
        LIVE_BLOCKS.load(Ordering::Relaxed),
    );
    let id_list = ids.len() * std::mem::size_of::<SfId>();
    let per = (after - before - id_list as isize) as f64 / n as f64;
    let blocks = (blocks_after - blocks_before - 1) as f64 / n as f64;
    // glibc malloc adds about 8 bytes per block and rounds each block up to 16.
    let with_overhead = per + blocks * 16.0;
    println!("memory: {per:.0} bytes requested per stored Account in {blocks:.1} heap blocks (about {with_overhead:.0} bytes with malloc overhead); 10 fields set + 7 system fields, Id and ERP_Id__c indexes; {n} records");
}

fn benches(c: &mut Criterion) {
    memory_per_record();
    let actor = actor();
    let mut store = store_with_erp_id();
    let t0 = Instant::now();
    let ids = fill(&mut store, &actor, RECORDS);
    println!(
        "setup: {RECORDS} Accounts inserted through DML in {:.2?}",
        t0.elapsed()
    );
    let opts = QueryOptions::new(chrono::Utc::now(), "62.0");
    let t = store.schema().object_index("Account").expect("Account");

    let mut g = c.benchmark_group("store_1m");
    let mut k = 0usize;
    g.bench_function("lookup_by_id", |b| {
        b.iter(|| {
            k = (k + 7919) % RECORDS;
            black_box(store.table(t).get(&ids[k]).is_some())
        })
    });
    g.bench_function("retrieve_json_by_id", |b| {
        b.iter(|| {
            k = (k + 7919) % RECORDS;
            black_box(
                store
                    .retrieve("Account", ids[k].as_str(), None, "62.0")
                    .is_ok(),
            )
        })
    });
    g.bench_function("lookup_by_external_id", |b| {
        b.iter(|| {
            k = (k + 7919) % RECORDS;
            let key = format!("a-{k:07}");
            black_box(
                store
                    .find_by_external("Account", "ERP_Id__c", &key)
                    .map(|v| v.len()),
            )
        })
    });
    g.bench_function("soql_where_external_id", |b| {
        b.iter(|| {
            k = (k + 7919) % RECORDS;
            let q = format!("SELECT Id, Name FROM Account WHERE ERP_Id__c = 'A-{k:07}'");
            black_box(query(&store, &q, &opts).map(|r| r.total_size))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("scan_1m");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("soql_filtered_full_scan", |b| {
        b.iter(|| {
            let r = query(&store, "SELECT Id, Name FROM Account WHERE NumberOfEmployees = 4321 AND Industry = 'Banking'", &opts);
            black_box(r.map(|r| r.total_size))
        })
    });
    g.bench_function("soql_count_like_scan", |b| {
        b.iter(|| {
            let r = query(
                &store,
                "SELECT COUNT() FROM Account WHERE Name LIKE '%99999%'",
                &opts,
            );
            black_box(r.map(|r| r.total_size))
        })
    });
    g.finish();
}

criterion_group!(store_benches, benches);

fn main() {
    store_benches();
    Criterion::default().configure_from_args().final_summary();
}
