//! The /metrics body. The lag series are kept gzip-compressed between refreshes, made by
//! writing the exposition straight into the encoder, so tens of megabytes of text never sit
//! in memory: a scraper that accepts gzip (Prometheus does) gets those bytes as they are,
//! followed by the pipeline's part as a second gzip member (a valid gzip stream); any other
//! gets them decompressed as they are sent.

use crate::engine::serve::{write_lag, LagExport};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::{Cursor, Read, Write};
use std::sync::Arc;

/// The lag series of one refresh: gzip bytes and the text's length.
#[derive(Clone, Default)]
pub struct Packed {
    gz: Arc<Vec<u8>>,
    len: usize,
}

/// Counts what goes through, for the text's length.
struct Counting<W> {
    inner: W,
    n: usize,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(b)?;
        self.n += n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Packed {
    pub fn new(cluster: &str, lag: &LagExport) -> Packed {
        let mut w = Counting {
            inner: GzEncoder::new(Vec::new(), Compression::fast()),
            n: 0,
        };
        // Writing into memory cannot fail.
        let _ = write_lag(cluster, lag, &mut w);
        let gz = w.inner.finish().unwrap_or_default();
        Packed {
            gz: Arc::new(gz),
            len: w.n,
        }
    }
}

struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

pub struct Body {
    lag: Option<Box<dyn Read + Send>>,
    rest: Cursor<Vec<u8>>,
    len: usize,
    gzip: bool,
}

impl Body {
    /// A small plain answer.
    pub fn plain(bytes: Vec<u8>) -> Body {
        Body {
            lag: None,
            len: bytes.len(),
            rest: Cursor::new(bytes),
            gzip: false,
        }
    }

    /// The lag series and then `pipeline`'s text, gzip-encoded when the scraper takes it.
    pub fn metrics(lag: &Packed, pipeline: Vec<u8>, gzip: bool) -> Body {
        if gzip {
            let mut e = GzEncoder::new(Vec::new(), Compression::fast());
            let rest = e
                .write_all(&pipeline)
                .and_then(|()| e.finish())
                .unwrap_or_default();
            return Body {
                len: lag.gz.len() + rest.len(),
                lag: Some(Box::new(Cursor::new(Shared(lag.gz.clone())))),
                rest: Cursor::new(rest),
                gzip: true,
            };
        }
        let text: Option<Box<dyn Read + Send>> = (lag.len > 0)
            .then(|| Box::new(GzDecoder::new(Cursor::new(Shared(lag.gz.clone())))) as _);
        Body {
            len: lag.len + pipeline.len(),
            lag: text,
            rest: Cursor::new(pipeline),
            gzip: false,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn gzip(&self) -> bool {
        self.gzip
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(l) = self.lag.as_mut() {
            match l.read(buf)? {
                0 => self.lag = None,
                n => return Ok(n),
            }
        }
        self.rest.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::serve::{lag_text, pipeline_text, Pipeline};

    #[test]
    fn both_bodies_carry_the_same_text() {
        let lag = LagExport {
            up: true,
            at_ms: 5_000,
            latest: [(("t".to_string(), 0), 42)].into(),
            ..Default::default()
        };
        let packed = Packed::new("c", &lag);
        let pipe = pipeline_text("c", &Pipeline::default(), false);
        let want = lag_text("c", &lag) + &pipe;
        let mut plain = String::new();
        let b = Body::metrics(&packed, pipe.clone().into_bytes(), false);
        assert_eq!(b.len(), want.len());
        { b }.read_to_string(&mut plain).unwrap();
        assert_eq!(plain, want);
        let mut gz = Vec::new();
        let b = Body::metrics(&packed, pipe.into_bytes(), true);
        assert!(b.gzip());
        { b }.read_to_end(&mut gz).unwrap();
        let mut unzipped = String::new();
        flate2::read::MultiGzDecoder::new(&gz[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, want);
    }
}
