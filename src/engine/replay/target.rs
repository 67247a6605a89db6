//! Where each DLQ record goes, and why: the forced target, else the origin header, else the
//! profile's mapping for this DLQ, else `--to`.

use crate::domain::replay::{KeyHash, ReplayRequest, Target, TargetWhy};
use crate::domain::DlqOrigin;
use std::collections::BTreeMap;

/// `partitions`: partition count of each topic known to exist (None = it does not exist);
/// topics not in the map are not checked.
pub fn resolve(
    req: &ReplayRequest,
    origin: &DlqOrigin,
    partitions: &BTreeMap<String, Option<i32>>,
) -> Target {
    let (topic, why) = if let Some(t) = &req.force_to {
        (Some(t.clone()), TargetWhy::Override)
    } else if let Some(t) = &origin.topic {
        (Some(t.clone()), TargetWhy::OriginHeader)
    } else if let Some(t) = req.settings.targets.get(&req.dlq) {
        (Some(t.clone()), TargetWhy::ProfileMapping)
    } else if let Some(t) = &req.to {
        (Some(t.clone()), TargetWhy::UserTopic)
    } else {
        (None, TargetWhy::Unresolved)
    };
    let mut target = Target {
        topic,
        partition: None,
        why,
        note: None,
    };
    let Some(t) = target.topic.clone() else {
        target.note = Some(format!(
            "no target: the record has no origin topic header, the profile maps no target for {} (replay.targets), and no --to was given",
            req.dlq
        ));
        return target;
    };
    let count = partitions.get(&t).copied();
    if count == Some(None) {
        target.note = Some(format!("target topic {t} does not exist"));
        target.topic = None;
        return target;
    }
    if req.keep_partition {
        match origin.partition {
            None => target.note = Some("no origin partition header: the key decides".into()),
            Some(p) if count.flatten().is_some_and(|n| p >= n) || p < 0 => {
                target.note = Some(format!(
                    "origin partition {p} does not exist on {t} ({} partitions)",
                    count.flatten().unwrap_or(0)
                ));
                target.topic = None;
            }
            Some(p) => target.partition = Some(p),
        }
    }
    target
}

/// Gives a keyed record without a kept partition the partition `hash` sends its key to on its
/// target (when the target's partition count is known); others keep the producer's default.
pub fn place(
    target: &mut Target,
    key: Option<&[u8]>,
    hash: Option<KeyHash>,
    partitions: &BTreeMap<String, Option<i32>>,
) {
    if target.partition.is_some() {
        return;
    }
    let (Some(t), Some(key), Some(hash)) = (&target.topic, key, hash) else {
        return;
    };
    if let Some(Some(n)) = partitions.get(t) {
        if *n > 0 {
            target.partition = Some(super::partition::partition(hash, key, *n));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::replay::{ReplaySettings, Selection};

    fn req() -> ReplayRequest {
        let mut s = ReplaySettings::default();
        s.targets.insert("dlq".into(), "mapped".into());
        ReplayRequest::new("dlq", Selection::All, s)
    }

    fn origin(topic: Option<&str>, partition: Option<i32>) -> DlqOrigin {
        DlqOrigin {
            topic: topic.map(str::to_string),
            partition,
            ..Default::default()
        }
    }

    #[test]
    fn order_is_force_origin_mapping_to() {
        let none = BTreeMap::new();
        let mut r = req();
        r.to = Some("typed".into());
        let t = resolve(&r, &origin(Some("orders"), None), &none);
        assert_eq!(
            (t.topic.as_deref(), t.why),
            (Some("orders"), TargetWhy::OriginHeader)
        );
        let t = resolve(&r, &origin(None, None), &none);
        assert_eq!(
            (t.topic.as_deref(), t.why),
            (Some("mapped"), TargetWhy::ProfileMapping)
        );
        r.settings.targets.clear();
        let t = resolve(&r, &origin(None, None), &none);
        assert_eq!(
            (t.topic.as_deref(), t.why),
            (Some("typed"), TargetWhy::UserTopic)
        );
        r.to = None;
        let t = resolve(&r, &origin(None, None), &none);
        assert_eq!((t.topic, t.why), (None, TargetWhy::Unresolved));
        assert!(t.note.unwrap().contains("no --to"));
        r.force_to = Some("all".into());
        let t = resolve(&r, &origin(Some("orders"), Some(1)), &none);
        assert_eq!(
            (t.topic.as_deref(), t.why),
            (Some("all"), TargetWhy::Override)
        );
    }

    #[test]
    fn partition_only_with_keep_partition_and_checked() {
        let mut parts = BTreeMap::new();
        parts.insert("orders".to_string(), Some(3));
        parts.insert("gone".to_string(), None);
        let mut r = req();
        let t = resolve(&r, &origin(Some("orders"), Some(2)), &parts);
        assert_eq!(t.partition, None);
        r.keep_partition = true;
        let t = resolve(&r, &origin(Some("orders"), Some(2)), &parts);
        assert_eq!(t.partition, Some(2));
        let t = resolve(&r, &origin(Some("orders"), Some(5)), &parts);
        assert_eq!(t.topic, None);
        assert!(t.note.unwrap().contains("partition 5"));
        let t = resolve(&r, &origin(Some("orders"), None), &parts);
        assert_eq!((t.topic.as_deref(), t.partition), (Some("orders"), None));
        let t = resolve(&r, &origin(Some("gone"), None), &parts);
        assert_eq!(t.topic, None);
        assert!(t.note.unwrap().contains("does not exist"));
    }

    #[test]
    fn place_uses_the_hash_only_for_keyed_records_without_a_partition() {
        let mut parts = BTreeMap::new();
        parts.insert("orders".to_string(), Some(3));
        let r = req();
        let mut t = resolve(&r, &origin(Some("orders"), Some(2)), &parts);
        place(&mut t, Some(b"foobar"), Some(KeyHash::Fnv1a), &parts);
        // int32(0xbf9cf968) % 3 = -0 -> 0
        assert_eq!(t.partition, Some(0));
        let mut t = resolve(&r, &origin(Some("orders"), Some(2)), &parts);
        place(&mut t, None, Some(KeyHash::Fnv1a), &parts);
        assert_eq!(t.partition, None);
        place(&mut t, Some(b"k"), None, &parts);
        assert_eq!(t.partition, None);
        let mut kept = Target {
            partition: Some(1),
            ..t.clone()
        };
        place(&mut kept, Some(b"foobar"), Some(KeyHash::Crc32), &parts);
        assert_eq!(kept.partition, Some(1));
        let mut elsewhere = resolve(&r, &origin(Some("unknown"), None), &parts);
        place(&mut elsewhere, Some(b"k"), Some(KeyHash::Murmur2), &parts);
        assert_eq!(elsewhere.partition, None);
    }
}
