//! Key hashes as the producers use them, and which one a DLQ's records were placed with.
//!
//! - murmur2: the Java client's `Utils.murmur2` (initial value `0x9747b28c`), `toPositive(h) % n`.
//! - FNV-1a 32-bit: kafka-go's `Hash` balancer and sarama's `HashPartitioner`:
//!   `int32(h) % n`, negated when negative.
//! - CRC32 (IEEE): librdkafka's `consistent`, `crc32(key) % n` on the unsigned hash.

use crate::domain::replay::{KeyHash, PartitionerChoice};
use crate::domain::DlqDialect;

/// The Java client's murmur2, as a signed 32-bit value (as `Utils.murmur2` returns it).
pub fn murmur2(data: &[u8]) -> i32 {
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let mut h: u32 = 0x9747_b28c ^ (data.len() as u32);
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let rest = chunks.remainder();
    if rest.len() >= 3 {
        h ^= u32::from(rest[2]) << 16;
    }
    if rest.len() >= 2 {
        h ^= u32::from(rest[1]) << 8;
    }
    if !rest.is_empty() {
        h ^= u32::from(rest[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// FNV-1a, 32 bits (Go's `hash/fnv.New32a`).
pub fn fnv1a(data: &[u8]) -> u32 {
    data.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// CRC-32 (IEEE 802.3, reflected, as zlib's and librdkafka's `rd_crc32`).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The partition `hash` sends `key` to on a topic of `n` partitions (`n` > 0).
pub fn partition(hash: KeyHash, key: &[u8], n: i32) -> i32 {
    let n = n.max(1);
    match hash {
        KeyHash::Murmur2 => (murmur2(key) & 0x7fff_ffff) % n,
        KeyHash::Fnv1a => ((fnv1a(key) as i32) % n).abs(),
        KeyHash::Crc32 => (crc32(key) % n as u32) as i32,
    }
}

/// One record's evidence: its key, the partition it came from, and that topic's partitions.
#[derive(Clone, Debug)]
pub struct Evidence {
    pub key: Vec<u8>,
    pub partition: i32,
    pub partitions: i32,
}

/// Records needed before a hash is trusted.
pub const MIN_EVIDENCE: usize = 2;

/// Which hash maps every record's key to its origin partition. `configured`: the profile's
/// setting for this DLQ (`Some(None)` = "default"), which wins; `default`: the profile's
/// `replay.partitioner`, named when nothing better is known.
pub fn choose(
    evidence: &[Evidence],
    configured: Option<Option<KeyHash>>,
    default: &str,
) -> PartitionerChoice {
    if let Some(set) = configured {
        let why = match set {
            Some(h) => format!("{}: set for this DLQ in replay.partitioners", h.label()),
            None => format!("the default ({default}): set for this DLQ in replay.partitioners"),
        };
        return PartitionerChoice { hash: set, why };
    }
    let usable: Vec<&Evidence> = evidence
        .iter()
        .filter(|e| e.partitions > 0 && (0..e.partitions).contains(&e.partition))
        .collect();
    let n = usable.len();
    if n < MIN_EVIDENCE {
        return PartitionerChoice {
            hash: None,
            why: format!(
                "the default ({default}): thin evidence, {n} record(s) with a key and an origin partition"
            ),
        };
    }
    let fits = |h: KeyHash| {
        usable
            .iter()
            .filter(|e| partition(h, &e.key, e.partitions) == e.partition)
            .count()
    };
    let scored: Vec<(KeyHash, usize)> = KeyHash::ALL.iter().map(|h| (*h, fits(*h))).collect();
    let all: Vec<KeyHash> = scored.iter().filter(|s| s.1 == n).map(|s| s.0).collect();
    match all.as_slice() {
        [h] => PartitionerChoice {
            hash: Some(*h),
            why: format!(
                "{}: {n} of {n} records' keys map to their origin partitions",
                h.label()
            ),
        },
        [] => {
            let best = scored.iter().map(|s| format!("{} {}", s.0.name(), s.1));
            PartitionerChoice {
                hash: None,
                why: format!(
                    "the default ({default}): no key hash maps all {n} records to their origin partitions ({} of {n})",
                    best.collect::<Vec<_>>().join(", ")
                ),
            }
        }
        many => PartitionerChoice {
            hash: None,
            why: format!(
                "the default ({default}): thin evidence, {} all fit the {n} records",
                many.iter().map(|h| h.name()).collect::<Vec<_>>().join(", ")
            ),
        },
    }
}

/// The key hash of the producer behind a dead-letter writer that always produces with one
/// library: the pipeline executor's Go package writes its records, and its dead letters, with
/// kafka-go's Hash balancer. Its dead letters name the origin topic but not the partition, so
/// the keys cannot be checked against one.
pub fn writer_hash(d: DlqDialect) -> Option<(KeyHash, &'static str)> {
    match d {
        DlqDialect::GoPackage => Some((KeyHash::Fnv1a, "kafka-go's Hash balancer")),
        _ => None,
    }
}

/// `choose`, except that when the evidence is thin and every keyed record came from one
/// writer whose producer is known (`writer_hash`), that producer's hash, as long as the few
/// records with an origin partition fit it.
pub fn choose_with_writer(
    evidence: &[Evidence],
    configured: Option<Option<KeyHash>>,
    default: &str,
    writer: Option<DlqDialect>,
) -> PartitionerChoice {
    let c = choose(evidence, configured, default);
    if configured.is_some() || c.hash.is_some() || evidence.len() >= MIN_EVIDENCE {
        return c;
    }
    let Some((w, (h, library))) = writer.and_then(|w| writer_hash(w).map(|h| (w, h))) else {
        return c;
    };
    if evidence
        .iter()
        .any(|e| e.partitions > 0 && partition(h, &e.key, e.partitions) != e.partition)
    {
        return c;
    }
    PartitionerChoice {
        hash: Some(h),
        why: format!(
            "{}: the records were written by the {}, which produces with {library} ({} with an origin partition to check)",
            h.label(),
            w.name(),
            evidence.len()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_the_java_clients_vectors() {
        // Kafka's UtilsTest.testMurmur2.
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
        ];
        for (k, want) in cases {
            assert_eq!(murmur2(k), want, "{}", String::from_utf8_lossy(k));
        }
        // toPositive(-973932308) = 1173551340; % 6 = 0
        assert_eq!(partition(KeyHash::Murmur2, b"21", 6), 1_173_551_340 % 6);
    }

    #[test]
    fn fnv1a_and_crc32_match_their_references() {
        assert_eq!(fnv1a(b""), 0x811c_9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a(b"foobar"), 0xbf9c_f968);
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414f_a339
        );
    }

    #[test]
    fn fnv1a_partitions_as_sarama_and_kafka_go() {
        // "foobar": 0xbf9cf968 as int32 is -1080231576; % 7 = -4 (Go truncates); negated: 4.
        assert_eq!(0xbf9c_f968u32 as i32, -1_080_231_576);
        assert_eq!(partition(KeyHash::Fnv1a, b"foobar", 7), 4);
        // The unsigned hash would say 3217735720 % 7 = 0: the sign handling matters.
        assert_eq!(0xbf9c_f968u32 % 7, 0);
        // "a": 0xe40c292c = -468965076 as int32; % 10 = -6 -> 6.
        assert_eq!(partition(KeyHash::Fnv1a, b"a", 10), 6);
        // CRC32 is unsigned: 0xcbf43926 = 3421780262; % 6 = 2.
        assert_eq!(partition(KeyHash::Crc32, b"123456789", 6), 2);
    }

    fn placed(h: KeyHash, n: usize) -> Vec<Evidence> {
        (0..n)
            .map(|i| {
                let key = format!("job-{i}").into_bytes();
                Evidence {
                    partition: partition(h, &key, 6),
                    key,
                    partitions: 6,
                }
            })
            .collect()
    }

    #[test]
    fn choose_finds_the_hash_that_fits_every_record() {
        for h in KeyHash::ALL {
            let c = choose(&placed(h, 12), None, "murmur2_random");
            assert_eq!(c.hash, Some(h), "{}", c.why);
            assert!(c.why.contains("12 of 12 records"), "{}", c.why);
        }
        let c = choose(&placed(KeyHash::Fnv1a, 4), None, "murmur2_random");
        if c.hash.is_some() {
            assert_eq!(
                c.why,
                "FNV-1a (kafka-go, sarama): 4 of 4 records' keys map to their origin partitions"
            );
        }
    }

    #[test]
    fn the_go_packages_dead_letters_without_partitions_take_its_producers_hash() {
        let go = Some(DlqDialect::GoPackage);
        let c = choose_with_writer(&[], None, "murmur2_random", go);
        assert_eq!(c.hash, Some(KeyHash::Fnv1a));
        assert!(
            c.why.contains("pipeline executor's Go package"),
            "{}",
            c.why
        );
        // Another writer, a profile setting, or a record that contradicts: as `choose` says.
        let spring = Some(DlqDialect::SpringDlt);
        assert_eq!(choose_with_writer(&[], None, "m", spring).hash, None);
        let set = Some(Some(KeyHash::Crc32));
        assert_eq!(
            choose_with_writer(&[], set, "m", go).hash,
            Some(KeyHash::Crc32)
        );
        let mut one = placed(KeyHash::Murmur2, 1);
        one[0].partition = (partition(KeyHash::Fnv1a, &one[0].key, 6) + 1) % 6;
        assert_eq!(choose_with_writer(&one, None, "m", go).hash, None);
        // Enough evidence decides by itself.
        let c = choose_with_writer(&placed(KeyHash::Murmur2, 12), None, "m", go);
        assert_eq!(c.hash, Some(KeyHash::Murmur2));
    }

    #[test]
    fn choose_falls_back_to_the_default_and_says_why() {
        let c = choose(&placed(KeyHash::Fnv1a, 1), None, "murmur2_random");
        assert_eq!(c.hash, None);
        assert!(c.why.contains("thin evidence"), "{}", c.why);
        let mut mixed = placed(KeyHash::Fnv1a, 6);
        mixed.extend(placed(KeyHash::Murmur2, 6).into_iter().map(|mut e| {
            e.key.extend_from_slice(b"-m");
            e.partition = partition(KeyHash::Murmur2, &e.key, 6);
            e
        }));
        let c = choose(&mixed, None, "murmur2_random");
        assert_eq!(c.hash, None);
        assert!(c.why.contains("no key hash maps all 12"), "{}", c.why);
        let c = choose(&mixed, Some(Some(KeyHash::Crc32)), "murmur2_random");
        assert_eq!(c.hash, Some(KeyHash::Crc32));
        assert!(c.why.contains("replay.partitioners"));
        let c = choose(&placed(KeyHash::Fnv1a, 9), Some(None), "murmur2_random");
        assert_eq!(c.hash, None);
    }
}
