//! IAM's `*` / `?` wildcards: case-insensitive for actions, case-sensitive
//! for resources and `…Like` conditions.

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    Sensitive,
    Insensitive,
}

/// Whether `value` matches `pattern`, `*` standing for any run of characters
/// and `?` for one. Iterative with one backtrack point, so hostile patterns
/// stay linear-ish.
pub(crate) fn matches(pattern: &str, value: &str, case: Case) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    let same = |a: char, b: char| match case {
        Case::Sensitive => a == b,
        Case::Insensitive => a.to_lowercase().eq(b.to_lowercase()),
    };
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, vi));
                pi += 1;
            }
            Some('?') => {
                pi += 1;
                vi += 1;
            }
            Some(&c) if same(c, v[vi]) => {
                pi += 1;
                vi += 1;
            }
            _ => match star {
                Some((sp, sv)) => {
                    pi = sp + 1;
                    vi = sv + 1;
                    star = Some((sp, sv + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches(
            "lambda:*",
            "lambda:InvokeFunction",
            Case::Insensitive
        ));
        assert!(matches(
            "lambda:invoke*",
            "lambda:InvokeFunction",
            Case::Insensitive
        ));
        assert!(!matches(
            "lambda:invoke*",
            "lambda:InvokeFunction",
            Case::Sensitive
        ));
        assert!(matches(
            "arn:aws:lambda:*:*:function:f?",
            "arn:aws:lambda:us-east-1:1:function:f1",
            Case::Sensitive
        ));
        assert!(!matches(
            "arn:aws:lambda:*:*:function:f?",
            "arn:aws:lambda:us-east-1:1:function:f12",
            Case::Sensitive
        ));
        assert!(matches("*", "", Case::Sensitive));
        assert!(matches("a*b*c", "aXbYbZc", Case::Sensitive));
        assert!(!matches("a*b*c", "aXbYbZ", Case::Sensitive));
    }
}
