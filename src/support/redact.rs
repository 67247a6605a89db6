//! The one place that decides what is secret. A property whose name looks like it holds a
//! password, key, token, credentials or a JAAS line never has its value in a message, a log
//! line, the screen or JSON, and "looks like" is fuzzy on purpose: a mistyped `sasl.pasword`
//! is exactly the name that reaches an error message, so it must be caught too.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What a hidden value is replaced with.
pub const MASK: &str = "******";

/// Long words: caught inside a longer name and with a typo or two (`saslpasword`, `secert`).
const LONG_WORDS: &[(&str, usize)] = &[
    ("password", 2),
    ("passphrase", 2),
    ("credential", 2),
    ("secret", 1),
    ("token", 1),
];

/// Short words: too short to search fuzzily inside other words (`key` is in `keepalive`), so
/// they count as a whole name part, at the start or end of one, or one typo away from one.
const SHORT_WORDS: &[&str] = &["key", "pwd", "pass", "jaas", "oauthbearer"];

/// True when a property (or config key) name looks like it holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let parts: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    // librdkafka's `*.location` settings are file paths, not secrets (`ssl.key.location`).
    if parts.last() == Some(&"location") {
        return false;
    }
    parts.iter().any(|p| part_is_secret(p))
}

fn part_is_secret(part: &str) -> bool {
    LONG_WORDS
        .iter()
        .any(|(w, max)| fuzzy_substring_distance(w, part) <= *max)
        || SHORT_WORDS.iter().any(|w| {
            part.starts_with(w) || part.ends_with(w) || (w.len() >= 4 && osa_distance(w, part) <= 1)
        })
}

/// The value as it may be shown: itself, or the mask when the name looks secret.
pub fn value<'a>(name: &str, value: &'a str) -> &'a str {
    if is_secret_name(name) {
        MASK
    } else {
        value
    }
}

/// `name=value` pairs for display, secrets masked.
pub fn properties(props: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for (i, (k, v)) in props.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{k}={}", value(k, v));
    }
    out
}

/// `text` with every secret value of `props` replaced by the mask: the last line of defence
/// for messages written by libraries, which may quote a value anywhere.
pub fn text<'a, I>(text: &str, props: I) -> String
where
    I: IntoIterator<Item = (&'a String, &'a String)>,
{
    let secrets: Vec<&str> = props
        .into_iter()
        .filter(|(k, _)| is_secret_name(k))
        .map(|(_, v)| v.as_str())
        .collect();
    mask(text, &secrets)
}

/// `text` with each of `secrets` replaced by the mask, longest first so a secret that
/// contains another is hidden whole.
pub fn mask(text: &str, secrets: &[&str]) -> String {
    let mut secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for s in secrets {
        out = out.replace(s, MASK);
    }
    out
}

/// Secret values on a command line: the value of `-X name=value` (or `-Xname=value`) when the
/// name looks secret, and the word after `-X name` when the `=` was forgotten (the argument
/// parser would echo it as an unexpected argument).
pub fn secrets_in_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if let Some(pw) = url_password(&args[i]) {
            out.push(pw.to_string());
        }
        let prop = match args[i].as_str() {
            "-X" => {
                i += 1;
                args.get(i).map(String::as_str)
            }
            a => a
                .strip_prefix("-X")
                .map(|p| p.strip_prefix('=').unwrap_or(p)),
        };
        if let Some(p) = prop {
            match p.split_once('=') {
                Some((k, v)) if is_secret_name(k) => out.push(v.to_string()),
                Some(_) => {}
                None if is_secret_name(p) => {
                    // `name:value` or `name value`: the value is all a reader must not see.
                    if let Some((_, v)) = p.split_once(':') {
                        out.push(v.to_string());
                    } else if let Some(next) = args.get(i + 1) {
                        out.push(next.clone());
                    }
                }
                None => {}
            }
        }
        i += 1;
    }
    out
}

/// A message that may quote a value (`"..."`, `` `...` `` or `'...'`) with every quoted part
/// masked: for errors about a secret-looking key whose value is not at hand.
pub fn quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        if matches!(c, '"' | '`' | '\'') {
            let rest: String = chars.clone().collect();
            if let Some(end) = rest.find(c) {
                out.push(c);
                out.push_str(MASK);
                out.push(c);
                // Skip the quoted part and its closing quote.
                for _ in 0..rest[..end].chars().count() + 1 {
                    chars.next();
                }
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// A `-X` argument as it may be echoed: the value hidden when the name looks secret, or the
/// whole argument when it cannot be split into a name and a value.
pub fn flag(arg: &str) -> String {
    match arg.split_once('=') {
        Some((k, v)) => format!("{k}={}", value(k, v)),
        None if is_secret_name(arg) || arg.contains(':') || arg.contains(' ') => MASK.into(),
        None => arg.to_string(),
    }
}

/// Edit distance with adjacent transpositions (optimal string alignment), by bytes: names
/// are ASCII and anything else only makes the distance larger.
fn osa_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            d[i * w + j] = step(&d, w, a, b, i, j);
        }
    }
    d[a.len() * w + b.len()]
}

/// The smallest edit distance between `word` and any substring of `text` (Sellers'
/// algorithm: a match may start anywhere in `text` for free).
fn fuzzy_substring_distance(word: &str, text: &str) -> usize {
    let (a, b) = (word.as_bytes(), text.as_bytes());
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            d[i * w + j] = step(&d, w, a, b, i, j);
        }
    }
    (0..w).map(|j| d[a.len() * w + j]).min().unwrap_or(a.len())
}

fn step(d: &[usize], w: usize, a: &[u8], b: &[u8], i: usize, j: usize) -> usize {
    let cost = usize::from(a[i - 1] != b[j - 1]);
    let mut v = (d[(i - 1) * w + j] + 1)
        .min(d[i * w + j - 1] + 1)
        .min(d[(i - 1) * w + j - 1] + cost);
    if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
        v = v.min(d[(i - 2) * w + j - 2] + 1);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_are_recognised_even_misspelt() {
        for n in [
            "sasl.password",
            "sasl.pasword",
            "sasl.passwd",
            "sasl.pwd",
            "sasl.passowrd",
            "sasl_password",
            "saslPassword",
            "ssl.key.password",
            "ssl.keystore.password",
            "ssl.key.pem",
            "sasl.oauthbearer.client.secret",
            "sasl.oauthbearer.client.secert",
            "sasl.oauthbearer.config",
            "sasl.jaas.config",
            "sasl.jass.config",
            "api.token",
            "api.tokn",
            "credentials",
            "google.credentails",
            "apiKey",
            "ssl.passphrase",
        ] {
            assert!(is_secret_name(n), "{n} should look secret");
        }
    }

    #[test]
    fn ordinary_names_are_not_secret() {
        for n in [
            "bootstrap.servers",
            "sasl.username",
            "sasl.mechanism",
            "security.protocol",
            "socket.keepalive.enable",
            "fetch.max.bytes",
            "client.id",
            "ssl.ca.location",
            "ssl.key.location",
            "enable.idempotence",
            "message.max.bytes",
            "session.timeout.ms",
            "acks",
            "debug",
            "auto.offset.reset",
            "enable.auto.commit",
            "broker.address.family",
            "reconnect.backoff.ms",
            "socket.timeout.ms",
            "ssl.endpoint.identification.algorithm",
            "statistics.interval.ms",
            "group.id",
            "partition.assignment.strategy",
            "isolation.level",
            "max.poll.interval.ms",
            "queue.buffering.max.kbytes",
            "compression.type",
            "linger.ms",
            "transactional.id",
            "api.version.request",
            "sasl.kerberos.service.name",
            "sasl.kerberos.principal",
            "ssl.cipher.suites",
            "ssl.certificate.location",
            "message.send.max.retries",
            "topic.metadata.refresh.interval.ms",
        ] {
            assert!(!is_secret_name(n), "{n} should not look secret");
        }
    }

    #[test]
    fn values_and_texts_are_masked() {
        assert_eq!(value("sasl.pasword", "S3cr3t"), MASK);
        assert_eq!(value("client.id", "me"), "me");
        let props = BTreeMap::from([
            ("sasl.pasword".to_string(), "S3cr3t".to_string()),
            ("client.id".to_string(), "me".to_string()),
        ]);
        assert_eq!(
            properties(&props),
            format!("client.id=me, sasl.pasword={MASK}")
        );
        let t = text(
            "No such configuration property: \"sasl.pasword\" sasl.pasword S3cr3t (me)",
            &props,
        );
        assert!(!t.contains("S3cr3t"), "{t}");
        assert!(t.contains("sasl.pasword") && t.contains("(me)"), "{t}");
    }

    #[test]
    fn quoted_parts_and_flags_are_masked() {
        assert_eq!(
            quoted("invalid type: string \"S3cr3t\", expected `x`"),
            format!("invalid type: string \"{MASK}\", expected `{MASK}`")
        );
        assert_eq!(quoted("no quotes"), "no quotes");
        assert_eq!(quoted("odd \" quote"), "odd \" quote");
        assert_eq!(flag("sasl.pasword=S3cr3t"), format!("sasl.pasword={MASK}"));
        assert_eq!(flag("sasl.password:S3cr3t"), MASK);
        assert_eq!(flag("fetch.max.bytes"), "fetch.max.bytes");
    }

    #[test]
    fn secrets_on_a_command_line_are_found() {
        let args: Vec<String> = [
            "kdeck",
            "-X",
            "sasl.pasword=a1",
            "-Xsasl.secert=b2",
            "-X",
            "sasl.password",
            "c3",
            "-X",
            "client.id=me",
            "-X",
            "ssl.key.pwd:d4",
            "-X=sasl.jaas.config=e5",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(secrets_in_args(&args), ["a1", "b2", "c3", "d4", "e5"]);
        assert_eq!(
            mask("unexpected argument 'c3' found", &["c3"]),
            format!("unexpected argument '{MASK}' found")
        );
    }
}

/// The password in an address's user part (`https://user:pw@host`), if any.
fn url_password(arg: &str) -> Option<&str> {
    let rest = arg.split_once("://")?.1;
    let host_end = rest.find('/').unwrap_or(rest.len());
    let at = rest[..host_end].rfind('@')?;
    rest[..at]
        .split_once(':')
        .map(|(_, pw)| pw)
        .filter(|pw| !pw.is_empty())
}

/// An address as it may be shown: a password in its user part (`https://user:pw@host`)
/// replaced with the mask.
pub fn url(address: &str) -> String {
    let Some((scheme, rest)) = address.split_once("://") else {
        return address.to_string();
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or("");
            format!("{scheme}://{user}:{MASK}{}", &rest[at..])
        }
        None => address.to_string(),
    }
}

#[cfg(test)]
mod url_tests {
    #[test]
    fn a_password_in_an_address_is_masked() {
        assert_eq!(
            super::url("https://svc:s3cret@reg:8081/apis"),
            "https://svc:******@reg:8081/apis"
        );
        assert_eq!(super::url("http://reg:8081/x@y"), "http://reg:8081/x@y");
        let args = [
            "--schema-registry".to_string(),
            "https://svc:s3cret@reg".to_string(),
        ];
        assert_eq!(super::secrets_in_args(&args), vec!["s3cret".to_string()]);
    }
}
