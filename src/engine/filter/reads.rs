//! Which of the record's costly fields (`key`, `headers`, `value`) an expression can read, found
//! from jaq's syntax tree, so the input is built without parsing a value nobody looks at (the
//! value's JSON parse is most of a filter's cost). Conservative: whatever this cannot follow
//! (a function called on the record itself, `..`, definitions, updates, reduce) counts as
//! reading everything, so the answer is never different from building the whole input.

use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Pattern, Term};
use jaq_core::load::{Lexer, Parser};
use jaq_core::path::{Part, Path};

/// The fields an expression may read; `ALL` when in doubt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reads {
    pub key: bool,
    pub headers: bool,
    pub value: bool,
}

impl Reads {
    pub const ALL: Reads = Reads {
        key: true,
        headers: true,
        value: true,
    };
    const NONE: Reads = Reads {
        key: false,
        headers: false,
        value: false,
    };

    fn or(self, o: Reads) -> Reads {
        Reads {
            key: self.key || o.key,
            headers: self.headers || o.headers,
            value: self.value || o.value,
        }
    }
}

/// What `code` may read of the record it runs on.
pub fn fields_read(code: &str) -> Reads {
    analyse(code).0
}

/// The top-level fields of the value `code` reads, when it reads the value only through
/// `.value.NAME` (so an object holding just those fields answers it as the whole value does);
/// None: the whole value.
pub fn value_fields(code: &str) -> Option<Vec<String>> {
    let (reads, fields) = analyse(code);
    (reads.value && !fields.whole).then_some(fields.names)
}

/// Fields of the value met on the way: `.value.NAME` names, or `whole` for any other use.
#[derive(Default)]
struct ValueFields {
    names: Vec<String>,
    whole: bool,
}

fn analyse(code: &str) -> (Reads, ValueFields) {
    let mut fields = ValueFields::default();
    let Ok(tokens) = Lexer::new(code).lex() else {
        return (Reads::ALL, fields);
    };
    let reads = match Parser::new(&tokens).parse(|p| p.term()) {
        Ok(t) => on_root(&t, &mut fields).unwrap_or(Reads::ALL),
        Err(_) => Reads::ALL,
    };
    if reads == Reads::ALL {
        fields.whole = true;
    }
    (reads, fields)
}

/// What `t`, run on the record, reads of it; None: it may read anything.
fn on_root(t: &Term<&str>, f: &mut ValueFields) -> Option<Reads> {
    match t {
        Term::Num(_) | Term::Break(_) | Term::Var(_) | Term::Arr(None) => Some(Reads::NONE),
        // jq's constants are functions that ignore their input (a redefinition would be a
        // `def`, which counts as reading everything).
        Term::Call(name, args) if args.is_empty() && matches!(*name, "true" | "false" | "null") => {
            Some(Reads::NONE)
        }
        Term::Str(None, parts) => all(
            parts.iter().filter_map(|p| match p {
                StrPart::Term(t) => Some(t),
                _ => None,
            }),
            f,
        ),
        Term::Arr(Some(t)) | Term::Neg(t) | Term::Label(_, t) => on_root(t, f),
        Term::Obj(entries) => entries.iter().try_fold(Reads::NONE, |r, (k, v)| {
            // `{a}` is `{a: .a}`: not followed.
            Some(r.or(on_root(k, f)?).or(on_root(v.as_ref()?, f)?))
        }),
        Term::TryCatch(t, c) => {
            let r = on_root(t, f)?;
            c.as_deref().map_or(Some(r), |c| Some(r.or(on_root(c, f)?)))
        }
        Term::IfThenElse(branches, other) => {
            let r = branches.iter().try_fold(Reads::NONE, |r, (c, b)| {
                Some(r.or(on_root(c, f)?).or(on_root(b, f)?))
            })?;
            other
                .as_deref()
                .map_or(Some(r), |o| Some(r.or(on_root(o, f)?)))
        }
        Term::BinOp(l, op, r) => bin_op(l, op, r, f),
        Term::Path(base, path) => path_reads(base, path, f),
        // The record itself, `..`, a function applied to the record, local definitions,
        // reduce/foreach, formats (`@json`): anything may be read.
        _ => None,
    }
}

fn all<'a>(terms: impl Iterator<Item = &'a Term<&'a str>>, f: &mut ValueFields) -> Option<Reads> {
    terms
        .into_iter()
        .try_fold(Reads::NONE, |r, t| Some(r.or(on_root(t, f)?)))
}

fn bin_op(
    l: &Term<&str>,
    op: &BinaryOp<&str>,
    r: &Term<&str>,
    f: &mut ValueFields,
) -> Option<Reads> {
    match op {
        // `l | r`: r runs on l's output, which holds only what l read.
        BinaryOp::Pipe(None) => on_root(l, f),
        // `l as $x | r`: r runs on the record again; the pattern's keys too.
        BinaryOp::Pipe(Some(p)) => Some(on_root(l, f)?.or(on_root(r, f)?).or(pattern(p, f)?)),
        BinaryOp::Comma
        | BinaryOp::Alt
        | BinaryOp::Or
        | BinaryOp::And
        | BinaryOp::Math(_)
        | BinaryOp::Cmp(_) => Some(on_root(l, f)?.or(on_root(r, f)?)),
        // Updates give back the whole record.
        _ => None,
    }
}

fn pattern(p: &Pattern<&str>, f: &mut ValueFields) -> Option<Reads> {
    match p {
        Pattern::Var(_) => Some(Reads::NONE),
        Pattern::Arr(ps) => ps
            .iter()
            .try_fold(Reads::NONE, |r, p| Some(r.or(pattern(p, f)?))),
        Pattern::Obj(es) => es.iter().try_fold(Reads::NONE, |r, (k, p)| {
            Some(r.or(on_root(k, f)?).or(pattern(p, f)?))
        }),
    }
}

/// `.name…` reads that field (index terms inside run on the record too); a path on anything
/// else reads what its base and index terms read.
fn path_reads(base: &Term<&str>, path: &Path<Term<&str>>, f: &mut ValueFields) -> Option<Reads> {
    let mut parts = path.0.iter().map(|(p, _)| p);
    let mut r = match base {
        Term::Id => match parts.next()? {
            Part::Index(Term::Str(None, s)) => match s.as_slice() {
                [StrPart::Str("key")] => Reads {
                    key: true,
                    ..Reads::NONE
                },
                [StrPart::Str("headers")] => Reads {
                    headers: true,
                    ..Reads::NONE
                },
                [StrPart::Str("value")] => {
                    note_value_field(path.0.get(1).map(|(p, _)| p), f);
                    Reads {
                        value: true,
                        ..Reads::NONE
                    }
                }
                [StrPart::Str(_)] => Reads::NONE,
                _ => return None,
            },
            _ => return None,
        },
        other => on_root(other, f)?,
    };
    for part in parts {
        r = match part {
            Part::Index(t) => r.or(on_root(t, f)?),
            Part::Range(a, b) => {
                let a = a.as_ref().map_or(Some(Reads::NONE), |t| on_root(t, f))?;
                let b = b.as_ref().map_or(Some(Reads::NONE), |t| on_root(t, f))?;
                r.or(a).or(b)
            }
        };
    }
    Some(r)
}

/// `.value` followed by `part`: a field by its plain name is noted, anything else (the value
/// itself, an index computed, a slice, `[]`) needs the whole value.
fn note_value_field(part: Option<&Part<Term<&str>>>, f: &mut ValueFields) {
    match part {
        Some(Part::Index(Term::Str(None, name))) => match name.as_slice() {
            [StrPart::Str(n)] => f.names.push(n.to_string()),
            _ => f.whole = true,
        },
        _ => f.whole = true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUE: Reads = Reads {
        key: false,
        headers: false,
        value: true,
    };

    fn reads(code: &str) -> (bool, bool, bool) {
        let r = fields_read(code);
        (r.key, r.headers, r.value)
    }

    #[test]
    fn field_paths_read_only_their_field() {
        assert_eq!(
            reads(r#".headers.org_id == "org-customer-001""#),
            (false, true, false)
        );
        assert_eq!(reads(r#"(.key | test("^export-"))"#), (true, false, false));
        assert_eq!(
            reads(".partition == 2 and .offset > 10"),
            (false, false, false)
        );
        assert_eq!(
            reads(r#".headers["correlation-id"] // .key"#),
            (true, true, false)
        );
        assert_eq!(fields_read(r#".value.status == "failed""#), VALUE);
        assert_eq!(fields_read(r#".["value"].status"#), VALUE);
        assert_eq!(fields_read(r#"."value".status"#), VALUE);
    }

    #[test]
    fn value_fields_are_named_only_when_the_value_is_read_by_field() {
        let names = |code: &str| value_fields(code);
        assert_eq!(
            names(r#".value.status == "failed""#),
            Some(vec!["status".into()])
        );
        assert_eq!(
            names(r#".value.a.b > 1 and .["value"]["c"] == 2 or .key == "k""#),
            Some(vec!["a".into(), "c".into()])
        );
        assert_eq!(names(".value.a | .b"), Some(vec!["a".into()]));
        for whole in [
            ".value",
            ".value | keys",
            ".value[]",
            ".value[.key]",
            ".value[1:2]",
            r#".value."st\u0061tus""#,
            ".value.a and .value",
            ". as $r | $r.value.a",
            ".headers.x",
        ] {
            assert_eq!(names(whole), None, "{whole}");
        }
    }

    #[test]
    fn anything_it_cannot_follow_reads_everything() {
        for code in [
            ".",
            "..",
            "tojson | test(\"failed\")",
            "to_entries | length > 0",
            ".[] | strings",
            "keys",
            ". as $r | .headers | $r.value",
            ".headers as $h | $h.x, .value",
            "def f: .value; f",
            "reduce .headers[] as $x (0; . + 1)",
            ".headers |= . | .value",
            "{value} | .value",
            r#".headers[.value.x]"#,
            r#"."val\u0075e""#,
            "@json",
            "getpath([\"value\"])",
            "not valid jq ((",
        ] {
            assert!(fields_read(code).value, "{code} may read the value");
        }
    }

    #[test]
    fn the_right_side_of_a_pipe_sees_only_the_left_sides_output() {
        assert_eq!(
            reads(".headers | tojson | test(\"x\")"),
            (false, true, false)
        );
        assert_eq!(reads(".headers | .value"), (false, true, false));
        assert_eq!(
            reads("if .key == \"a\" then .partition else .offset end"),
            (true, false, false)
        );
        assert_eq!(reads("try .headers.x catch \"none\""), (false, true, false));
        assert_eq!(reads("[.key, .topic] | length == 2"), (true, false, false));
        assert_eq!(reads("{k: .key}"), (true, false, false));
        assert_eq!(reads("true"), (false, false, false));
        assert_eq!(reads(".offset > 3 or false"), (false, false, false));
        assert!(
            fields_read("true(.value)").value,
            "a call with arguments is not a constant"
        );
    }

    /// The input built for what the program reads gives the same answer as the whole record,
    /// on JSON, text and binary values, binary headers and a tombstone.
    #[test]
    fn a_partial_input_matches_exactly_what_the_whole_record_matches() {
        use crate::codec::decode::{to_record, Incoming};
        use crate::domain::Header;
        let values: [Option<&[u8]>; 4] = [
            Some(br#"{"status":"failed","progress_percentage":70,"value":1}"#),
            Some(b"plain text failed"),
            Some(&[0xff, 0x00]),
            None,
        ];
        let records: Vec<_> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                to_record(
                    Incoming {
                        topic: "t",
                        partition: i as i32,
                        offset: i as i64,
                        timestamp_ms: Some(1000),
                        key: Some(if i % 2 == 0 {
                            b"export-1"
                        } else {
                            b"{\"id\":1}"
                        }),
                        value: *v,
                        headers: vec![
                            Header {
                                key: "org_id".into(),
                                value: Some(b"org-customer-001".to_vec()),
                            },
                            Header {
                                key: "value".into(),
                                value: Some(vec![0x00, 0xff]),
                            },
                        ],
                    },
                    1 << 20,
                    false,
                )
            })
            .collect();
        let exprs = [
            r#".headers.org_id == "org-customer-001""#,
            r#".headers.value == "00ff""#,
            r#".headers | .value == "00ff""#,
            r#"(.key | test("^export-"))"#,
            ".key.id == 1",
            ".partition == 1 or .offset == 3",
            r#".value.status == "failed""#,
            ".value == null",
            ".headers == {}",
            "true",
            ".partition == 0 and (null | not)",
            "tojson | test(\"failed\")",
            ".key == null",
            "[.key, .headers] | length == 2",
        ];
        let mut differing_inputs = 0;
        for code in exprs {
            let lazy = crate::engine::filter::Expr::compile(code).unwrap();
            let whole = lazy.clone().reading_all();
            differing_inputs += usize::from(lazy.reads != Reads::ALL);
            for r in &records {
                assert_eq!(lazy.eval(r), whole.eval(r), "{code} on {}", r.offset);
            }
        }
        assert!(differing_inputs >= 6, "the partial input is used");
    }
}
