//! Property tests: the parser never panics on any input, and every valid query it reads
//! prints back to text that parses to the same tree.

use super::parser::{is_reserved, parse};
use proptest::prelude::*;

fn ident() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_]{0,7}".prop_filter("not a keyword", |s| !is_reserved(s))
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(ident(), 1..4).prop_map(|p| p.join("."))
}

fn string_literal() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9 ]".prop_map(|s| s),
            Just("\\'".to_string()),
            Just("\\\\".to_string()),
            Just("\\n".to_string()),
            Just("\\%".to_string()),
            Just("%".to_string()),
            Just("_".to_string()),
            Just("é".to_string()),
        ],
        0..8,
    )
    .prop_map(|parts| format!("'{}'", parts.concat()))
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("null".to_string()),
        Just("TRUE".to_string()),
        Just("false".to_string()),
        (0u32..100000, any::<bool>()).prop_map(|(n, neg)| if neg {
            format!("-{n}")
        } else {
            n.to_string()
        }),
        (0u32..1000, 0u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        string_literal(),
        Just("2024-02-29".to_string()),
        Just("2024-02-29T10:00:00Z".to_string()),
        Just("2024-02-29T10:00:00.000+0100".to_string()),
        Just("TODAY".to_string()),
        (1u32..400).prop_map(|n| format!("LAST_N_DAYS:{n}")),
        Just("this_quarter".to_string()),
    ]
}

fn comparison() -> impl Strategy<Value = String> {
    let ops = prop_oneof![
        Just("="),
        Just("!="),
        Just("<>"),
        Just("<"),
        Just("<="),
        Just(">"),
        Just(">="),
        Just("LIKE"),
    ];
    prop_oneof![
        (path(), ops, literal()).prop_map(|(p, o, l)| format!("{p} {o} {l}")),
        (
            path(),
            prop_oneof![
                Just("IN"),
                Just("NOT IN"),
                Just("includes"),
                Just("EXCLUDES")
            ],
            prop::collection::vec(literal(), 1..4)
        )
            .prop_map(|(p, o, ls)| format!("{p} {o} ({})", ls.join(", "))),
        (path(), ident(), path())
            .prop_map(|(p, from, f)| format!("{p} IN (SELECT {f} FROM {from})")),
    ]
}

fn condition() -> impl Strategy<Value = String> {
    comparison().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| format!("NOT ({c})")),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|cs| cs
                .iter()
                .map(|c| format!("({c})"))
                .collect::<Vec<_>>()
                .join(" AND ")),
            prop::collection::vec(inner, 2..4).prop_map(|cs| cs
                .iter()
                .map(|c| format!("({c})"))
                .collect::<Vec<_>>()
                .join(" or ")),
        ]
    })
}

fn aggregate() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("COUNT()".to_string()),
        (
            prop_oneof![
                Just("count"),
                Just("SUM"),
                Just("avg"),
                Just("MIN"),
                Just("MAX"),
                Just("COUNT_DISTINCT")
            ],
            path(),
            prop::option::of(ident())
        )
            .prop_map(|(f, p, a)| match a {
                Some(a) => format!("{f}({p}) {a}"),
                None => format!("{f}({p})"),
            }),
    ]
}

fn query_text(depth: u32) -> BoxedStrategy<String> {
    let item = if depth == 0 {
        prop_oneof![
            4 => path(),
            1 => aggregate(),
            1 => prop_oneof![Just("FIELDS(ALL)"), Just("fields(standard)"), Just("FIELDS(CUSTOM)")].prop_map(str::to_string),
            1 => query_text(1).prop_map(|q| format!("({q})")),
        ]
        .boxed()
    } else {
        prop_oneof![4 => path(), 1 => aggregate()].boxed()
    };
    (
        prop::collection::vec(item, 1..5),
        ident(),
        prop::option::of(condition()),
        prop::option::of(prop_oneof![Just("SECURITY_ENFORCED"), Just("USER_MODE")]),
        prop::collection::vec(path(), 0..3),
        prop::option::of(condition()),
        prop::collection::vec(
            (
                path(),
                prop_oneof![Just(""), Just(" ASC"), Just(" desc")],
                prop_oneof![Just(""), Just(" NULLS FIRST"), Just(" nulls last")],
            ),
            0..3,
        ),
        prop::option::of(0u32..3000),
        prop::option::of(0u32..3000),
        prop::option::of(prop_oneof![
            Just(" FOR VIEW"),
            Just(" FOR REFERENCE"),
            Just(" for update")
        ]),
    )
        .prop_map(
            |(items, from, w, with, group, having, order, limit, offset, for_)| {
                let mut q = format!("SELECT {} FROM {from}", items.join(", "));
                if let Some(w) = w {
                    q.push_str(&format!(" WHERE {w}"));
                }
                if let Some(w) = with {
                    q.push_str(&format!(" WITH {w}"));
                }
                if !group.is_empty() {
                    q.push_str(&format!(" GROUP BY {}", group.join(", ")));
                    if let Some(h) = having {
                        q.push_str(&format!(" HAVING {h}"));
                    }
                }
                if !order.is_empty() {
                    let o: Vec<String> = order
                        .into_iter()
                        .map(|(p, d, n)| format!("{p}{d}{n}"))
                        .collect();
                    q.push_str(&format!(" ORDER BY {}", o.join(", ")));
                }
                if let Some(l) = limit {
                    q.push_str(&format!(" LIMIT {l}"));
                }
                if let Some(o) = offset {
                    q.push_str(&format!(" OFFSET {o}"));
                }
                if let Some(f) = for_ {
                    q.push_str(f);
                }
                q
            },
        )
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_arbitrary_text(s in "\\PC{0,80}") {
        let _ = parse(&s);
    }

    #[test]
    fn parser_never_panics_on_soql_like_token_soup(parts in prop::collection::vec(prop_oneof![
        Just("SELECT"), Just("FROM"), Just("WHERE"), Just("("), Just(")"), Just(","), Just("."), Just("'"),
        Just("Name"), Just("Account"), Just("="), Just("IN"), Just("NOT"), Just("AND"), Just("OR"), Just("LIMIT"),
        Just("5"), Just("-"), Just(":"), Just("LAST_N_DAYS"), Just("COUNT"), Just("GROUP"), Just("BY"), Just("\\"),
        Just("2024-01-01"), Just("2024-01-01T"), Just("ORDER"), Just("NULLS"), Just("FIELDS"), Just("'x'"),
    ], 0..30)) {
        let _ = parse(&parts.join(" "));
        let _ = parse(&parts.concat());
    }

    #[test]
    fn valid_queries_round_trip_through_the_printer(src in query_text(0)) {
        let first = parse(&src);
        prop_assert!(first.is_ok(), "generated query did not parse: {src}\n{first:?}");
        let first = first.unwrap();
        let printed = first.to_string();
        let second = parse(&printed);
        prop_assert!(second.is_ok(), "printed query did not parse: {printed}\n{second:?}");
        prop_assert_eq!(second.unwrap(), first, "printed: {}", printed);
    }
}
