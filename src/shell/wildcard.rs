//! PowerShell wildcard patterns (`*`, `?`, `[abc]`, `[a-z]`, backtick escapes), matched
//! case-insensitively as `-like` and `Get-Command -Name` do.
//!
//! Must not: know where patterns come from or what they select.

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wildcard {
    parts: Vec<Part>,
    case_sensitive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(char),
    AnyOne,
    AnyRun,
    /// `[…]`: inclusive ranges (a single character is a range of one).
    Class(Vec<(char, char)>),
}

impl Wildcard {
    /// A pattern that matches case-insensitively.
    pub fn new(pattern: &str) -> Wildcard {
        Wildcard::build(pattern, false)
    }

    /// A pattern for `-clike`.
    pub fn new_case_sensitive(pattern: &str) -> Wildcard {
        Wildcard::build(pattern, true)
    }

    fn build(pattern: &str, case_sensitive: bool) -> Wildcard {
        let fold = |c: char| if case_sensitive { c } else { fold(c) };
        let mut parts = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => parts.push(Part::AnyRun),
                '?' => parts.push(Part::AnyOne),
                '`' => parts.push(Part::Literal(fold(chars.next().unwrap_or('`')))),
                '[' => {
                    let mut ranges = Vec::new();
                    let mut closed = false;
                    while let Some(c) = chars.next() {
                        if c == ']' {
                            closed = true;
                            break;
                        }
                        let low = fold(c);
                        if chars.peek() == Some(&'-') {
                            chars.next();
                            match chars.next() {
                                Some(']') | None => {
                                    ranges.push((low, low));
                                    ranges.push(('-', '-'));
                                    closed = true;
                                    break;
                                }
                                Some(high) => ranges.push((low, fold(high))),
                            }
                        } else {
                            ranges.push((low, low));
                        }
                    }
                    if closed {
                        parts.push(Part::Class(ranges));
                    } else {
                        parts.push(Part::Literal('['));
                    }
                }
                other => parts.push(Part::Literal(fold(other))),
            }
        }
        Wildcard { parts, case_sensitive }
    }

    /// Whether `text` has any wildcard characters at all.
    pub fn has_wildcards(text: &str) -> bool {
        text.contains(['*', '?', '['])
    }

    pub fn is_match(&self, text: &str) -> bool {
        let text: Vec<char> =
            if self.case_sensitive { text.chars().collect() } else { text.chars().map(fold).collect() };
        matches_from(&self.parts, &text)
    }
}

fn fold(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Matches in O(pattern × text) at worst, never exponentially: the classic two-pointer walk
/// that, on a mismatch, goes back only to the last `*` and lets it take one more character
/// (earlier stars never need to: whatever they could take, the last one can).
fn matches_from(parts: &[Part], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    // The part after the last `*` seen, and the text position that star resumes from.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let c = text[t];
        match parts.get(p) {
            Some(Part::AnyRun) => {
                star = Some((p + 1, t));
                p += 1;
            }
            Some(part) if single_matches(part, c) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((after, from)) => {
                    p = after;
                    t = from + 1;
                    star = Some((after, from + 1));
                }
                None => return false,
            },
        }
    }
    parts[p.min(parts.len())..].iter().all(|part| *part == Part::AnyRun)
}

/// Whether a part that takes exactly one character takes `c`.
fn single_matches(part: &Part, c: char) -> bool {
    match part {
        Part::Literal(l) => *l == c,
        Part::AnyOne => true,
        Part::Class(ranges) => ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi),
        Part::AnyRun => false,
    }
}

#[cfg(test)]
mod tests {
    use super::Wildcard;

    #[test]
    fn matches_like_powershell() {
        assert!(Wildcard::new("get-*").is_match("Get-StorageGroup"));
        assert!(Wildcard::new("*StorageGroup*").is_match("Get-StorageGroupCopyStatus"));
        assert!(!Wildcard::new("Get-Storage").is_match("Get-StorageGroup"));
        assert!(Wildcard::new("E0?").is_match("E01"));
        assert!(Wildcard::new("[a-c]x").is_match("Bx"));
        assert!(!Wildcard::new("[a-c]x").is_match("dx"));
        assert!(Wildcard::new("a`*").is_match("a*"));
        assert!(!Wildcard::new("a`*").is_match("ab"));
        assert!(Wildcard::has_wildcards("Get-*") && !Wildcard::has_wildcards("Get-X"));
        assert!(!Wildcard::new_case_sensitive("get-*").is_match("Get-X"));
        assert!(
            Wildcard::new("*").is_match("") && Wildcard::new("**").is_match("x") && !Wildcard::new("?").is_match("")
        );
        assert!(Wildcard::new("a*b*c").is_match("aXbYbZc") && !Wildcard::new("a*b*c").is_match("aXbYbZ"));
        assert!(Wildcard::new("*a?c").is_match("xxabcabc") && !Wildcard::new("*a?c").is_match("xxabcab"));
        assert!(Wildcard::new("[a-c]*[x-z]").is_match("b-long-y"));
    }

    /// Issue 10.15: `('a'*30) -like ('*a'*30+'b')` took 4 s with the backtracking matcher.
    #[test]
    fn a_pathological_pattern_is_matched_in_linear_steps() {
        let text = "a".repeat(3000);
        let pattern = format!("{}b", "*a".repeat(3000));
        let started = std::time::Instant::now();
        assert!(!Wildcard::new(&pattern).is_match(&text));
        assert!(Wildcard::new(&"*a".repeat(3000)).is_match(&text));
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }
}
