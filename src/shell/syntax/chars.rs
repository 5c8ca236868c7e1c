//! The character classes of PowerShell's tokenizer (`CharTraits.cs`): the four dashes, the
//! curly quotes, and what counts as blank. Text pasted from Word or a web page works because
//! every scanner asks these functions instead of comparing with ASCII.

/// `-`, en dash, em dash, horizontal bar.
pub fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2013}' | '\u{2014}' | '\u{2015}')
}

/// `'` and the four single curly quotes.
pub fn is_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// `"` and the three double curly quotes.
pub fn is_double_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

/// Blank space that separates tokens (not newlines): space, tab, VT, FF, NBSP, NEL and every
/// other Unicode separator (categories Zs, Zl, Zp).
pub fn is_blank(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\x0B' | '\x0C' | '\u{A0}' | '\u{85}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

pub fn is_newline(c: char) -> bool {
    c == '\n' || c == '\r'
}

/// Characters that end a bare word in argument mode.
pub fn ends_bare_word(c: char) -> bool {
    is_blank(c) || is_newline(c) || matches!(c, ',' | ';' | '(' | ')' | '{' | '}' | '|' | '&')
}

/// Characters that end a parameter name (`-Name`); `:` ends it too but is handled apart
/// because it introduces the colon form.
pub fn ends_parameter_name(c: char) -> bool {
    ends_bare_word(c) || matches!(c, '.' | '[')
}

/// A character that can start a parameter name after the dash.
pub fn starts_parameter_name(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '?'
}

/// A character that can be part of a `$name` variable.
pub fn is_variable_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_dashes_and_quotes_are_recognised() {
        for c in ['-', '–', '—', '―'] {
            assert!(is_dash(c), "{c:?}");
        }
        for c in ['\'', '‘', '’', '‚', '‛'] {
            assert!(is_single_quote(c), "{c:?}");
        }
        for c in ['"', '“', '”', '„'] {
            assert!(is_double_quote(c), "{c:?}");
        }
        assert!(!is_dash('_') && !is_single_quote('`') && !is_double_quote('\''));
        assert!(is_blank('\u{A0}') && is_blank('\u{3000}') && !is_blank('x') && !is_blank('\n'));
    }
}
