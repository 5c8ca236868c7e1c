//! "Did you mean …?": the closest known name to a mistyped one, by edit distance.
//!
//! Must not: know what the names are (commands, parameters, objects); callers pass them in.

/// The candidate closest to `typed` (case-insensitive), if it is close enough to be a typo.
pub fn closest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = typed.to_lowercase();
    let allowed = (typed.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&typed, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["Get-StorageGroup", "Get-MailboxServer"];
        assert_eq!(closest("Get-StorageGrop", names), Some("Get-StorageGroup"));
        assert_eq!(closest("get-mailboxservers", names), Some("Get-MailboxServer"));
        assert_eq!(closest("Get-Foo", names), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
