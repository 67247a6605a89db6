//! Styled spans fitted to a width.

use crate::codec::text::fit;
use ratatui::text::Span;

/// Spans cut to `width` columns, the last one shown ending in an ellipsis when anything was
/// cut: a line of several styled parts (the health line, a metrics row) never just stops.
pub fn fit_spans(spans: Vec<Span<'_>>, width: usize) -> Vec<Span<'_>> {
    let total: usize = spans.iter().map(Span::width).sum();
    if total <= width {
        return spans;
    }
    let mut out: Vec<Span> = Vec::new();
    let mut used = 0;
    for s in spans {
        let w = s.width();
        if used + w < width {
            used += w;
            out.push(s);
            continue;
        }
        let room = width - used;
        if room == 0 {
            // Cut at a span's edge: the previous span carries the ellipsis.
            if let Some(prev) = out.pop() {
                let pw = prev.width();
                out.push(Span::styled(
                    fit(&format!("{}…", prev.content), pw),
                    prev.style,
                ));
            }
        } else {
            out.push(Span::styled(fit(&format!("{}…", s.content), room), s.style));
        }
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cut_with_an_ellipsis() {
        let text = |v: Vec<Span>| v.iter().map(|s| s.content.to_string()).collect::<String>();
        let spans = || vec![Span::raw("abc "), Span::raw("def "), Span::raw("gh")];
        assert_eq!(text(fit_spans(spans(), 10)), "abc def gh");
        assert_eq!(text(fit_spans(spans(), 9)), "abc def …");
        assert_eq!(text(fit_spans(spans(), 8)), "abc def…");
        assert_eq!(text(fit_spans(spans(), 4)), "abc…");
    }
}
