//! Hostile input, beyond examples: arbitrary bytes for keys, values, headers and names go
//! through the decoders, the one-line formatters, the sanitiser and the table rendering. None
//! may panic, put a control, bidi or format character into a drawn cell, spill past the pane's
//! border, or take long. Each property prints how many cases it ran.

use kdeck::codec::decode::{decode, one_line, pretty_value, to_record, Incoming};
use kdeck::codec::sanitize::{clean, is_unsafe};
use kdeck::domain::{Header, Record, Role};
use kdeck::engine::lag::{GroupSnapshot, LagSnapshot};
use kdeck::tui::panes::lag::LagPane;
use kdeck::tui::panes::stream::StreamPane;
use kdeck::tui::theme::Theme;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthStr;

const NOW: i64 = 1_763_200_000_000;
/// Per record, in a debug build on a shared 2-core machine: generous, but a quadratic path on
/// a few kilobytes would blow it.
const PER_RECORD: Duration = Duration::from_millis(250);

/// Characters chosen to hurt: controls, bidi and zero-width, wide CJK, emoji, combining marks.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        2 => prop::sample::select(vec![
            '\u{1b}', '\u{7}', '\u{0}', '\t', '\n', '\r', '\u{7f}', '\u{85}', '\u{9b}',
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}', '\u{200B}', '\u{200D}',
            '\u{FEFF}', '\u{2028}', '\u{E0041}', '\u{0301}', '漢', '字', '🙂', 'é', '…',
        ]),
        4 => prop::char::range('a', 'z'),
    ]
}

fn nasty_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(nasty_char(), 0..max).prop_map(|v| v.into_iter().collect())
}

/// JSON shaped like the services' payloads (their field names), with hostile strings inside.
fn json_value() -> impl Strategy<Value = Value> {
    let names = prop::sample::select(vec![
        "status",
        "export_id",
        "job_id",
        "org_id",
        "error_message",
        "progress_percentage",
        "completion_status",
        "change_number",
        "status_message",
        "appName",
        "scheduledTime",
        "taskId",
        "headers",
        "message",
        "action",
        "device_name",
        "event_type",
        "requestedAt",
        "completedAt",
        "execution_duration",
        "other",
    ]);
    let leaf = prop_oneof![
        nasty_string(40).prop_map(Value::String),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<i64>().prop_map(|i| Value::Number(i.into())),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        Just(Value::String("2025-11-15T10:00:00Z".into())),
    ];
    leaf.prop_recursive(4, 40, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((names.clone(), inner), 0..8).prop_map(|kv| Value::Object(
                kv.into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect::<Map<_, _>>()
            )),
        ]
    })
}

/// A value: arbitrary bytes, hostile text, or JSON shaped like the services' payloads.
fn value_bytes() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        1 => Just(None),
        3 => prop::collection::vec(any::<u8>(), 0..512).prop_map(Some),
        3 => nasty_string(300).prop_map(|s| Some(s.into_bytes())),
        4 => json_value().prop_map(|v| Some(v.to_string().into_bytes())),
    ]
}

fn header() -> impl Strategy<Value = Header> {
    let key = prop_oneof![
        nasty_string(20),
        prop::sample::select(vec![
            "dlq-error",
            "dlq-original-topic",
            "dlq-original-partition",
            "dlq-original-offset",
            "correlation-id",
            "event_type",
            "retry-count",
            "dead-letter-reason",
            "kafka_dlt-original-partition",
        ])
        .prop_map(str::to_string),
    ];
    let value = prop_oneof![
        1 => Just(None),
        3 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Some),
        3 => nasty_string(60).prop_map(|s| Some(s.into_bytes())),
    ];
    (key, value).prop_map(|(key, value)| Header { key, value })
}

#[derive(Debug, Clone)]
struct Input {
    topic: String,
    partition: i32,
    offset: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<Header>,
    dlq: bool,
}

fn input() -> impl Strategy<Value = Input> {
    input_with(nasty_string(30), any::<i32>(), any::<i64>(), 6)
}

/// Records with these topics, partitions and offsets, any key, value and headers.
fn input_with(
    topic: impl Strategy<Value = String>,
    partition: impl Strategy<Value = i32>,
    offset: impl Strategy<Value = i64>,
    max_headers: usize,
) -> impl Strategy<Value = Input> {
    (
        topic,
        partition,
        offset,
        prop::option::of(prop::collection::vec(any::<u8>(), 0..80)),
        value_bytes(),
        prop::collection::vec(header(), 0..max_headers),
        any::<bool>(),
    )
        .prop_map(
            |(topic, partition, offset, key, value, headers, dlq)| Input {
                topic,
                partition,
                offset,
                key,
                value,
                headers,
                dlq,
            },
        )
}

fn to_rec(i: &Input) -> Record {
    to_record(
        Incoming {
            topic: &i.topic,
            partition: i.partition,
            offset: i.offset,
            timestamp_ms: Some(NOW),
            key: i.key.as_deref(),
            value: i.value.as_deref(),
            headers: i.headers.clone(),
        },
        1 << 20,
        i.dlq,
    )
}

fn run<S: Strategy>(name: &str, cases: u32, strategy: S, test: impl Fn(S::Value))
where
    S::Value: std::fmt::Debug,
{
    let ran = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |v| {
        ran.fetch_add(1, Ordering::Relaxed);
        test(v);
        Ok(())
    });
    eprintln!("{name}: {} cases run", ran.load(Ordering::Relaxed));
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

/// Cells of `buf` holding a character a terminal would act on instead of showing.
fn unsafe_cells(buf: &Buffer) -> Vec<(u16, u16, String)> {
    let mut bad = Vec::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let sym = buf[(x, y)].symbol();
            if sym.chars().any(is_unsafe) {
                bad.push((x, y, sym.escape_unicode().to_string()));
            }
        }
    }
    bad
}

/// Every row is exactly the buffer's width (a wide glyph and the cell it covers count as its
/// width) and the pane's side borders are intact.
fn assert_rows_fit(buf: &Buffer, what: &str) {
    let (w, h) = (buf.area.width, buf.area.height);
    for y in 0..h {
        let mut x = 0u16;
        let mut cols = 0usize;
        while x < w {
            let sym = buf[(x, y)].symbol();
            let sw = UnicodeWidthStr::width(sym).max(1);
            cols += sw;
            x += sw as u16;
        }
        assert_eq!(
            cols, w as usize,
            "{what}: row {y} is {cols} columns, not {w}"
        );
        if y > 0 && y + 1 < h && w >= 2 {
            assert_eq!(buf[(0, y)].symbol(), "│", "{what}: left border, row {y}");
            assert_eq!(
                buf[(w - 1, y)].symbol(),
                "│",
                "{what}: right border, row {y}"
            );
        }
    }
}

#[test]
fn sanitiser_leaves_nothing_unsafe_and_is_idempotent() {
    run("sanitiser", 2000, nasty_string(200), |s| {
        let c = clean(&s);
        assert!(!c.chars().any(is_unsafe), "{:?}", c);
        assert_eq!(clean(&c), c, "clean twice = clean once");
        if !s.chars().any(is_unsafe) {
            assert_eq!(c, s.as_str());
        }
    });
}

#[test]
fn decoders_and_formatters_never_panic_and_stay_fast() {
    run("decoders", 2000, input(), |i| {
        let t = Instant::now();
        let d = decode(i.key.as_deref(), i.value.as_deref(), &i.headers, i.dlq);
        let r = to_rec(&i);
        let lines = pretty_value(i.value.as_deref(), 20_000);
        let detail = kdeck::tui::modals::detail::DetailState::from_record(&r);
        assert!(t.elapsed() < PER_RECORD, "took {:?}", t.elapsed());
        // The one-line summary is one line, within its length (160 and an ellipsis).
        assert!(!d.summary.contains(['\n', '\r', '\t']), "{:?}", d.summary);
        assert!(d.summary.chars().count() <= 161, "{}", d.summary.len());
        assert_eq!(r.decoded.summary, d.summary);
        assert!(lines.iter().all(|l| !l.contains('\n')));
        for (label, text) in &detail.lines {
            assert!(!label.chars().chain(text.chars()).any(is_unsafe));
        }
    });
}

#[test]
fn one_line_is_one_line() {
    run(
        "one_line",
        2000,
        (nasty_string(300), 1usize..200),
        |(s, max)| {
            let l = one_line(&s, max);
            assert!(!l.chars().any(|c| c.is_control()), "{l:?}");
            assert!(l.chars().count() <= max + 1);
        },
    );
}

#[test]
fn stream_pane_draws_hostile_records_safely_at_any_width() {
    let theme = Theme::load("default").unwrap();
    let strategy = (
        prop::collection::vec(input(), 1..6),
        12u16..200,
        4u16..30,
        any::<bool>(),
    );
    run("stream pane", 2000, strategy, |(inputs, w, h, focused)| {
        let t = Instant::now();
        let mut pane = StreamPane::new(Role::Dlq, 100);
        pane.push_batch(inputs.iter().map(to_rec).collect(), NOW);
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| {
            kdeck::tui::panes::stream::view::draw(
                f,
                f.area(),
                &pane,
                focused,
                &theme,
                NOW,
                &Default::default(),
            )
        })
        .unwrap();
        let buf = term.backend().buffer();
        assert!(
            t.elapsed() < PER_RECORD * inputs.len() as u32,
            "took {:?}",
            t.elapsed()
        );
        assert_eq!(unsafe_cells(buf), vec![], "{inputs:?}");
        assert_rows_fit(buf, &format!("stream pane {w}x{h}"));
    });
}

#[test]
fn detail_view_draws_hostile_records_safely() {
    let theme = Theme::load("default").unwrap();
    let strategy = (input(), 20u16..160, 6u16..50, 0isize..400);
    run("detail view", 1000, strategy, |(i, w, h, scroll)| {
        let mut d = kdeck::tui::modals::detail::DetailState::from_record(&to_rec(&i));
        d.fit_to((w, h));
        d.scroll_by(scroll);
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| kdeck::tui::modals::detail::draw(f, f.area(), &d, &theme))
            .unwrap();
        let buf = term.backend().buffer();
        assert_eq!(unsafe_cells(buf), vec![]);
        // The box's rows: full width, borders intact.
        let rect = kdeck::tui::modals::centered(buf.area, 92, 90);
        let mut inner = Buffer::empty(ratatui::layout::Rect::new(0, 0, rect.width, rect.height));
        for y in 0..rect.height {
            for x in 0..rect.width {
                inner[(x, y)] = buf[(rect.x + x, rect.y + y)].clone();
            }
        }
        if rect.width >= 2 && rect.height >= 3 {
            assert_rows_fit(&inner, &format!("detail {w}x{h}"));
        }
    });
}

#[test]
fn lag_pane_draws_hostile_group_and_topic_names_safely() {
    let theme = Theme::load("default").unwrap();
    let strategy = (
        // Offsets as Kafka has them (-1 for none, else below 2^63); the lag arithmetic is
        // domain code with its own tests.
        prop::collection::vec((nasty_string(40), nasty_string(30), -1i64..(1 << 50)), 1..5),
        prop::option::of(nasty_string(60)),
        12u16..160,
        5u16..30,
        any::<bool>(),
    );
    run(
        "lag pane",
        1000,
        strategy,
        |(groups, error, w, h, drill)| {
            let mut pane = LagPane::new(10, 100, 1000);
            for step in 0..2i64 {
                let snap = LagSnapshot {
                    at_ms: NOW + step * 1000,
                    groups: groups
                        .iter()
                        .map(|(g, t, off)| GroupSnapshot {
                            group: g.clone(),
                            committed: [((t.clone(), 0), *off)].into_iter().collect(),
                            error: error.clone(),
                            ..Default::default()
                        })
                        .collect(),
                    ends: groups
                        .iter()
                        .map(|(_, t, off)| ((t.clone(), 0), off.saturating_add(step * 7)))
                        .collect(),
                    notes: error.iter().cloned().collect(),
                    ..Default::default()
                };
                pane.ingest(snap);
            }
            if drill {
                pane.drill = pane.views.first().map(|g| g.group.clone());
            }
            let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
            term.draw(|f| kdeck::tui::panes::lag::view::draw(f, f.area(), &pane, true, &theme))
                .unwrap();
            let buf = term.backend().buffer();
            assert_eq!(unsafe_cells(buf), vec![]);
            assert_rows_fit(buf, &format!("lag pane {w}x{h}"));
        },
    );
}

/// A 5 MB record opens in the detail view holding no more than the configured cap of it.
#[test]
fn five_megabyte_record_opens_within_the_value_cap() {
    let cfg =
        kdeck::support::config::load::load_with(&Default::default(), &|_| None, None).unwrap();
    let cap = cfg.ui.max_value_bytes;
    let theme = Theme::load("default").unwrap();
    let one_line = format!(
        "{{\"status\":\"failed\",\"data\":\"{}\"}}",
        "0123456789".repeat(500_000)
    );
    let many_lines = "a line of text\n".repeat(350_000);
    for (name, value) in [("one line", one_line), ("many lines", many_lines)] {
        assert!(value.len() >= 5_000_000);
        let t = Instant::now();
        let r = to_record(
            Incoming {
                topic: "big",
                partition: 0,
                offset: 1,
                timestamp_ms: Some(NOW),
                key: Some(b"k"),
                value: Some(value.as_bytes()),
                headers: vec![],
            },
            cap,
            false,
        );
        assert_eq!(
            r.value.as_ref().unwrap().len(),
            cap,
            "{name}: stored value cut at the cap"
        );
        let mut d = kdeck::tui::modals::detail::DetailState::from_record(&r);
        d.fit_to((120, 40));
        let held = d.text_bytes();
        assert!(
            held <= 2 * cap + 64 * 1024,
            "{name}: the detail view holds {held} B for a {cap} B cap"
        );
        d.scroll_by(isize::MAX / 2);
        let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
        term.draw(|f| kdeck::tui::modals::detail::draw(f, f.area(), &d, &theme))
            .unwrap();
        let text: String = term
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(
            text.contains("(cut)"),
            "{name}: the end says the value was cut"
        );
        let took = t.elapsed();
        eprintln!(
            "{name}: 5 MB value, {held} B held in the detail view, {} rows, {} ms",
            d.row_count(),
            took.as_millis()
        );
        assert!(took < Duration::from_secs(10), "{name}: {took:?}");
    }
}

/// The stream panes' column widths, from what the rows in view show: whatever the topics,
/// keys and positions, a row is exactly the pane's width, the reason or summary keeps a
/// column, and no `partition@offset` is cut.
#[test]
fn column_widths_fill_the_pane_and_never_cut_the_offset() {
    let rec = input_with(nasty_string(60), 0..1000i32, 0..1_000_000_000_000i64, 4);
    let strategy = (
        prop::collection::vec(rec, 0..8),
        60usize..260,
        any::<bool>(),
    );
    run("column widths", 400, strategy, |(inputs, w, dlq)| {
        let recs: Vec<Record> = inputs.iter().map(to_rec).collect();
        let refs: Vec<&Record> = recs.iter().collect();
        let widths = kdeck::tui::panes::stream::view::column_widths(w, &refs, dlq);
        let shown: Vec<usize> = widths.iter().copied().filter(|x| *x > 0).collect();
        assert_eq!(
            shown.iter().sum::<usize>() + shown.len() - 1,
            w,
            "{widths:?} at {w}"
        );
        assert!(widths[5] >= 4, "the summary keeps a column: {widths:?}");
        for r in &recs {
            let pos = format!("/{}@{}", r.partition, r.offset);
            let cell = kdeck::codec::text::topic_at(&clean(&r.topic), &pos, widths[1]);
            assert!(cell.ends_with(&pos), "{cell:?} cuts {pos} at {}", widths[1]);
            assert!(
                UnicodeWidthStr::width(cell.as_str()) <= widths[1],
                "{cell:?}"
            );
        }
    });
}
