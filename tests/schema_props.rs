//! Arbitrary bytes after a valid magic byte and schema id, through the schema decoders the
//! dashboard's reader uses (local schema files, Avro and Protobuf): never a panic, and
//! nothing a terminal would act on reaches the stream pane or the detail view. A process of
//! its own: it installs a schema source for the whole process.

use kdeck::codec::decode::{to_record, Incoming};
use kdeck::codec::sanitize::is_unsafe;
use kdeck::domain::{Record, Role, SchemaState};
use kdeck::support::config::schemas::{LocalSchema, SchemaConfig};
use kdeck::tui::panes::stream::StreamPane;
use kdeck::tui::theme::Theme;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use std::cell::Cell;

const NOW: i64 = 1_763_200_000_000;

fn install() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schemas");
    let local = |topic: &str, file: &str| LocalSchema {
        topic: topic.into(),
        file: format!("{dir}/{file}").into(),
        message: None,
        text: None,
    };
    let cfg = SchemaConfig {
        registry: None,
        local: vec![
            local("avro", "job_error.avsc"),
            local("proto", "task.proto"),
        ],
    };
    kdeck::support::registry::Registry::install(&cfg).expect("the fixtures parse");
}

/// An Avro `JobError` {code, message, retryable} whose texts hold anything, controls and
/// escape sequences included: it decodes, and its text must still not reach the terminal raw.
fn avro_error() -> impl Strategy<Value = Vec<u8>> {
    let text = prop::collection::vec(
        prop_oneof![any::<char>(), Just('\u{1b}'), Just('\n'), Just('\u{202E}')],
        0..40,
    )
    .prop_map(|c| c.into_iter().collect::<String>());
    (text.clone(), text, any::<bool>()).prop_map(|(code, message, retryable)| {
        let mut out = Vec::new();
        for s in [code, message] {
            let n = s.len() as i64;
            let mut z = ((n << 1) ^ (n >> 63)) as u64;
            loop {
                let b = (z & 0x7f) as u8;
                z >>= 7;
                if z == 0 {
                    out.push(b);
                    break;
                }
                out.push(b | 0x80);
            }
            out.extend_from_slice(s.as_bytes());
        }
        out.push(u8::from(retryable));
        out
    })
}

fn unsafe_cells(buf: &Buffer) -> usize {
    (0..buf.area.height)
        .flat_map(|y| (0..buf.area.width).map(move |x| (x, y)))
        .filter(|&(x, y)| buf[(x, y)].symbol().chars().any(is_unsafe))
        .count()
}

fn record(topic: &str, body: &[u8]) -> Record {
    let mut value = vec![0u8, 0, 0, 0, 7];
    value.extend_from_slice(body);
    to_record(
        Incoming {
            topic,
            partition: 0,
            offset: 1,
            timestamp_ms: Some(NOW),
            key: Some(&value[..value.len().min(9)]),
            value: Some(&value),
            headers: Vec::new(),
        },
        1 << 20,
        false,
    )
}

#[test]
fn arbitrary_bytes_after_a_wire_header_never_panic_nor_reach_the_terminal() {
    install();
    let theme = Theme::load("default").unwrap();
    let strategy = prop_oneof![
        (
            prop::sample::select(vec!["avro", "proto"]),
            prop::collection::vec(any::<u8>(), 0..300),
        ),
        (Just("avro"), avro_error()),
        // Message index [0] (the file's first message), then any bytes.
        (
            Just("proto"),
            prop::collection::vec(any::<u8>(), 0..200).prop_map(|b| [&[0u8][..], &b].concat()),
        ),
    ];
    let mut runner = TestRunner::new(Config {
        cases: 3000,
        failure_persistence: None,
        ..Config::default()
    });
    let (decoded, refused) = (Cell::new(0u32), Cell::new(0u32));
    let result = runner.run(&strategy, |(topic, body)| {
        let r = record(topic, &body);
        let s = r.decoded.schema.as_deref().expect("read as a schema value");
        match &s.state {
            SchemaState::Decoded => {
                decoded.set(decoded.get() + 1);
                let json = s.json.as_deref().unwrap();
                serde_json::from_str::<serde_json::Value>(json).expect("decoded JSON parses");
            }
            SchemaState::Failed(why) => {
                refused.set(refused.get() + 1);
                assert!(!why.is_empty());
            }
            SchemaState::Pending => panic!("a local schema is never pending"),
        }
        assert!(!r.decoded.summary.contains('\n'));
        let mut pane = StreamPane::new(Role::Status, 10);
        pane.push_batch(vec![r.clone()], NOW);
        let mut term = Terminal::new(TestBackend::new(120, 8)).unwrap();
        term.draw(|f| {
            kdeck::tui::panes::stream::view::draw(
                f,
                f.area(),
                &pane,
                true,
                &theme,
                NOW,
                &Default::default(),
            )
        })
        .unwrap();
        assert_eq!(unsafe_cells(term.backend().buffer()), 0, "{body:?}");
        let d = kdeck::tui::modals::detail::DetailState::from_record(&r);
        let mut term = Terminal::new(TestBackend::new(100, 40)).unwrap();
        term.draw(|f| kdeck::tui::modals::detail::draw(f, f.area(), &d, &theme))
            .unwrap();
        assert_eq!(unsafe_cells(term.backend().buffer()), 0, "{body:?}");
        Ok(())
    });
    let (decoded, refused) = (decoded.get(), refused.get());
    eprintln!("schema values: {decoded} decoded, {refused} refused with a reason");
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(refused > 0, "hostile bytes are refused");
    assert!(decoded > 0, "values that fit their schema are decoded");
}
