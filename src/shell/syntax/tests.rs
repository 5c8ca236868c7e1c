//! Parser tests: the tokenizer rules of PowerShell that pasted runbooks depend on, and the
//! errors (with spans) for text that is wrong or unfinished.

use super::*;

fn commands(source: &str) -> Vec<Command> {
    let script = parse(source).unwrap_or_else(|e| panic!("{source:?} should parse: {e:?}"));
    script
        .statements
        .into_iter()
        .flat_map(|s| match s {
            Statement::Pipeline(p) => p.elements,
            _ => Vec::new(),
        })
        .filter_map(|e| match e {
            PipelineElement::Command(c) => Some(c),
            PipelineElement::Expression(_) => None,
        })
        .collect()
}

fn only(source: &str) -> Command {
    let mut all = commands(source);
    assert_eq!(all.len(), 1, "{source:?}");
    all.remove(0)
}

fn string(element: &CommandElement) -> &str {
    match element {
        CommandElement::Argument(Expr { kind: ExprKind::String(s), .. }) => &s.value,
        other => panic!("expected a string argument, got {other:?}"),
    }
}

fn parameter(element: &CommandElement) -> &ParameterToken {
    match element {
        CommandElement::Parameter(p) => p,
        other => panic!("expected a parameter, got {other:?}"),
    }
}

#[test]
fn pasted_curly_quotes_and_en_dashes_work_as_in_powershell() {
    let c = only(
        "Enable-StorageGroupCopy “CCREX01\\First Storage Group” –StandbyMachine NH-W2K3-SRV03 –ReplayLagTime 0.0:0:0",
    );
    assert_eq!(c.literal_name(), Some("Enable-StorageGroupCopy"));
    assert_eq!(string(&c.elements[0]), "CCREX01\\First Storage Group");
    assert_eq!(parameter(&c.elements[1]).name, "StandbyMachine");
    assert_eq!(string(&c.elements[2]), "NH-W2K3-SRV03");
    assert_eq!(parameter(&c.elements[3]).name, "ReplayLagTime");
    // A number followed by characters that cannot end a number is a bare word.
    assert_eq!(string(&c.elements[4]), "0.0:0:0");
}

#[test]
fn quote_kinds_mix_and_double_up_as_escapes() {
    let c = only("Write-Thing ‘it’’s’ \"say \"\"hi\"\"\" 'a'b \"tab`there\" `u{a9}x");
    assert_eq!(string(&c.elements[0]), "it’s");
    assert_eq!(string(&c.elements[1]), "say \"hi\"");
    assert_eq!(string(&c.elements[2]), "ab");
    assert_eq!(string(&c.elements[3]), "tab\there");
    assert_eq!(string(&c.elements[4]), "©x");
}

#[test]
fn colon_form_binds_the_next_token_even_a_dash() {
    let c = only("Dismount-Database db -Confirm:$false -Name:-x -Force");
    let confirm = parameter(&c.elements[1]);
    assert_eq!(confirm.name, "Confirm");
    let value = confirm.argument.as_deref().map(|e| &e.kind);
    assert_eq!(value, Some(&ExprKind::Variable("false".into())));
    let name = parameter(&c.elements[2]);
    assert!(matches!(name.argument.as_deref().map(|e| &e.kind), Some(ExprKind::String(s)) if s.value == "-x"));
    assert!(parameter(&c.elements[3]).argument.is_none());
}

#[test]
fn numbers_arrays_and_end_of_parameters() {
    let c = only("Cmd -5 1kb 0x10 a,'b',3 -- -NotAParameter");
    let number = |e: &CommandElement| match e {
        CommandElement::Argument(Expr { kind: ExprKind::Number { value, .. }, .. }) => *value,
        other => panic!("expected a number, got {other:?}"),
    };
    assert_eq!(number(&c.elements[0]), Number::Int(-5));
    assert_eq!(number(&c.elements[1]), Number::Int(1024));
    assert_eq!(number(&c.elements[2]), Number::Int(16));
    match &c.elements[3] {
        CommandElement::Argument(Expr { kind: ExprKind::Array(items), .. }) => assert_eq!(items.len(), 3),
        other => panic!("expected an array, got {other:?}"),
    }
    assert_eq!(string(&c.elements[4]), "-NotAParameter");
    assert_eq!(c.elements.len(), 5);
}

#[test]
fn statements_pipelines_comments_and_continuations() {
    let source =
        "Get-A | Format-List # trailing comment\n<# block\ncomment #> Get-B; Get-C `\n  -X 1\nGet-D |\n  Format-Table";
    let names: Vec<String> =
        commands(source).into_iter().filter_map(|c| c.literal_name().map(str::to_string)).collect();
    assert_eq!(names, ["Get-A", "Format-List", "Get-B", "Get-C", "Get-D", "Format-Table"]);
    let c = &commands(source)[3];
    assert_eq!(parameter(&c.elements[0]).name, "X");
}

#[test]
fn a_statement_can_start_with_a_value_and_exit_takes_a_code() {
    let script = parse("$true | ConvertTo-Json\nexit 3").expect("parses");
    assert!(
        matches!(&script.statements[0], Statement::Pipeline(p) if matches!(p.elements[0], PipelineElement::Expression(_)))
    );
    assert!(matches!(&script.statements[1], Statement::Exit { code: Some(_), .. }));
}

#[test]
fn spans_point_at_the_source() {
    let source = "Get-StorageGroupCopyStatus -Bogus 'x'";
    let c = only(source);
    assert_eq!(&source[c.name_span.start..c.name_span.end], "Get-StorageGroupCopyStatus");
    let p = parameter(&c.elements[0]);
    assert_eq!(&source[p.span.start..p.span.end], "-Bogus");
    match &c.elements[1] {
        CommandElement::Argument(e) => assert_eq!(&source[e.span.start..e.span.end], "'x'"),
        other => panic!("expected an argument, got {other:?}"),
    }
}

#[test]
fn unfinished_input_is_incomplete_so_the_prompt_keeps_reading() {
    for source in ["Get-X 'open", "Get-X \"open", "Get-X |", "Get-X `", "Get-X -Name:", "Get-X a,"] {
        let e = parse(source).expect_err(source);
        assert!(e.incomplete, "{source:?} -> {e:?}");
        assert!(is_incomplete(source));
    }
    assert_eq!(parse("Get-X 'open").expect_err("open").message, "The string is missing the terminator: '.");
}

#[test]
fn wrong_input_is_an_error_with_powershell_message_and_span() {
    let e = parse("Get-X | | Get-Y").expect_err("empty pipe element");
    assert_eq!(
        (e.id, e.message.as_str(), e.incomplete),
        ("EmptyPipeElement", "An empty pipe element is not allowed.", false)
    );
    assert_eq!(e.span.start, 8);
    let e = parse("Get-X | 'value'").expect_err("expression after a pipe");
    assert_eq!(e.id, "ExpressionsMustBeFirstInPipeline");
    let e = parse("Get-X \"`u{zz}\"").expect_err("bad escape");
    assert_eq!(e.id, "InvalidUnicodeEscapeSequence");
    let e = parse("Get-X -Name: | Get-Y").expect_err("colon without value");
    assert_eq!(e.message, "Parameter -Name requires an argument.");
    assert!(!is_incomplete("Get-X | | Get-Y"));
}

#[test]
fn a_parenthesised_pipeline_is_one_argument() {
    let c = only("Get-X (Get-Y -Name a) b");
    assert!(matches!(&c.elements[0], CommandElement::Argument(Expr { kind: ExprKind::Paren(_), .. })));
    assert_eq!(string(&c.elements[1]), "b");
}
