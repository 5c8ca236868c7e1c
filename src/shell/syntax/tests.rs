//! Parser tests: the tokenizer rules of PowerShell that pasted runbooks depend on, the
//! constructs of PowerShell 7 (number suffixes, `?:`, `??`, `?.`, `&&`, `clean`, `trap`,
//! labels), and the errors (with spans) for text that is wrong or unfinished.

use super::*;

fn commands(source: &str) -> Vec<Command> {
    let script = parse(source).unwrap_or_else(|e| panic!("{source:?} should parse: {e:?}"));
    script.statements().iter().flat_map(|s| s.commands().into_iter().cloned().collect::<Vec<_>>()).collect()
}

fn only(source: &str) -> Command {
    let mut all = commands(source);
    assert_eq!(all.len(), 1, "{source:?}");
    all.remove(0)
}

fn string(element: &CommandElement) -> &str {
    match element {
        CommandElement::Argument(Expr { kind: ExprKind::String(s) | ExprKind::BareWord(s), .. }) => s,
        other => panic!("expected a string argument, got {other:?}"),
    }
}

fn parameter(element: &CommandElement) -> ParameterRef<'_> {
    element.as_parameter().unwrap_or_else(|| panic!("expected a parameter, got {element:?}"))
}

/// The lone expression of a one-statement script.
fn expression(source: &str) -> Expr {
    let script = parse(source).unwrap_or_else(|e| panic!("{source:?} should parse: {e:?}"));
    match script.statements() {
        [statement] => statement.as_expression().cloned().unwrap_or_else(|| panic!("{source:?}: not an expression")),
        other => panic!("{source:?}: {} statements", other.len()),
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
    assert!(matches!(confirm.argument.map(|e| &e.kind), Some(ExprKind::Variable(v)) if &*v.key == "false"));
    let name = parameter(&c.elements[2]);
    assert!(matches!(name.argument.map(|e| &e.kind), Some(ExprKind::BareWord(s)) if &**s == "-x"));
    assert!(parameter(&c.elements[3]).argument.is_none());
}

#[test]
fn numbers_arrays_and_end_of_parameters() {
    let c = only("Cmd -5 1kb 0x10 a,'b',3 -- -NotAParameter");
    let number = |e: &CommandElement| match e {
        CommandElement::Argument(Expr { kind: ExprKind::Number(n), .. }) => n.value.clone(),
        CommandElement::Argument(Expr { kind: ExprKind::Int(i), .. }) => NumberValue::Int64(*i),
        other => panic!("expected a number, got {other:?}"),
    };
    assert_eq!(number(&c.elements[0]), NumberValue::Int32(-5));
    assert_eq!(number(&c.elements[1]), NumberValue::Int32(1024));
    assert_eq!(number(&c.elements[2]), NumberValue::Int32(16));
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
        matches!(&script.statements()[0], Statement::Pipeline(p) if matches!(p.elements[0].kind, ElementKind::Expression(_)))
    );
    assert!(matches!(&script.statements()[1], Statement::Flow(f) if matches!(f.kind, FlowKind::Exit(Some(_)))));
}

#[test]
fn a_lone_expression_or_command_is_held_without_a_pipeline() {
    let source = "1 + 2\nGet-X -Y\nGet-X > out.txt\n$a = Get-X\nGet-X && 1";
    let script = parse(source).expect("parses");
    let statements = script.statements();
    assert!(matches!(&statements[0], Statement::Expression(e) if &source[e.span.range()] == "1 + 2"));
    assert!(matches!(&statements[1], Statement::Command(c) if &source[c.span.range()] == "Get-X -Y"));
    // Redirections stay with their element in a pipeline.
    assert!(matches!(&statements[2], Statement::Pipeline(p) if p.elements[0].redirections.len() == 1));
    assert!(matches!(&statements[3], Statement::Assignment(a) if matches!(a.value, Statement::Command(_))));
    // The pipelines of a chain stay pipelines.
    assert!(matches!(&statements[4], Statement::Chain(c) if c.first.elements.len() == 1 && c.rest.len() == 1));
    assert_eq!(statements[1].span(), Span::new(6, 14));
}

#[test]
fn spans_point_at_the_source() {
    let source = "Get-StorageGroupCopyStatus -Bogus 'x'";
    let c = only(source);
    assert_eq!(&source[c.name.span.range()], "Get-StorageGroupCopyStatus");
    let p = parameter(&c.elements[0]);
    assert_eq!(&source[p.span.range()], "-Bogus");
    match &c.elements[1] {
        CommandElement::Argument(e) => assert_eq!(&source[e.span.range()], "'x'"),
        other => panic!("expected an argument, got {other:?}"),
    }
}

#[test]
fn unfinished_input_is_incomplete_so_the_prompt_keeps_reading() {
    for source in
        ["Get-X 'open", "Get-X \"open", "Get-X |", "Get-X `", "Get-X -Name:", "Get-X a,", "if ($x) {", "$a = ", "1 +"]
    {
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

#[test]
fn number_literals_take_their_suffix_type_and_multiplier() {
    let number = |source: &str| match expression(source).kind {
        ExprKind::Number(n) => n.value,
        ExprKind::Int(i) => NumberValue::Int64(i),
        ExprKind::Real(r) => NumberValue::Double(r),
        other => panic!("{source:?}: {other:?}"),
    };
    assert_eq!(number("0b0ul"), NumberValue::UInt64(0));
    assert_eq!(number("1kb"), NumberValue::Int32(1024));
    assert_eq!(number("0x10L"), NumberValue::Int64(16));
    assert_eq!(number("100u"), NumberValue::UInt32(100));
    assert_eq!(number("0b1010"), NumberValue::Int32(10));
    assert_eq!(number("1e3"), NumberValue::Double(1000.0));
    assert_eq!(number("-0x41y"), NumberValue::SByte(-65));
    assert!(matches!(number("1.5d"), NumberValue::Decimal(_)));
    // `7z` is a command, not a number.
    assert_eq!(only("7z x").literal_name(), Some("7z"));
}

#[test]
fn powershell_7_operators_parse() {
    assert!(matches!(expression("$a ? 1 : 2").kind, ExprKind::Ternary(_)));
    assert!(matches!(expression("$a ?? 'x'").kind, ExprKind::Binary(b) if b.op == BinaryOp::Coalesce));
    assert!(matches!(expression("${a}?.Name").kind, ExprKind::Member(m) if m.null_conditional));
    assert!(matches!(expression("${a}?[0]").kind, ExprKind::Index(i) if i.null_conditional));
    assert!(matches!(expression("++$i").kind, ExprKind::IncDec(i) if i.prefix && i.increment));
    assert!(matches!(expression("$i--").kind, ExprKind::IncDec(i) if !i.prefix && !i.increment));
    let script = parse("$x ??= 5").expect("parses");
    assert!(matches!(&script.statements()[0], Statement::Assignment(a) if a.op == AssignOp::Coalesce));
    let script = parse("Get-A && Get-B || Get-C").expect("parses");
    assert!(matches!(&script.statements()[0], Statement::Chain(c) if c.rest.len() == 2));
    let script = parse("if (Get-A && Get-B) { 1 }").expect("a chain in a condition");
    assert!(matches!(&script.statements()[0], Statement::If(_)));
}

#[test]
fn statements_powershell_7_accepts() {
    for source in [
        "trap { continue }; 1/0",
        "trap [System.DivideByZeroException] { 'x'; continue }",
        "function f { begin { } process { } end { } clean { 'c' } }",
        ":outer foreach ($i in 1..3) { foreach ($j in 1..3) { continue outer } }",
        ":l while ($true) { break l }",
        "try { 1 } catch [System.IO.IOException],\n[System.Management.Automation.RuntimeException] { 2 }",
        "& ($MyInvocation.InvocationName) -x 1",
        ". (Join-Path $PSScriptRoot 'lib.ps1')",
        "foreach ($q in $h = Get-X | Get-Y) { $q }",
        "$x = $y = 5",
        "$r = if ($true) { 1 } else { 2 }",
        "$v = switch (1) { 1 { 'one' } }",
        "[ValidateRange(1, 5)][int]$n = 3",
        "@{ a = 1; 'b c' = 2; 3 = 'three' }",
        "$s = @\"\nline $x\n\"@",
        "Get-X | ForEach-Object { $_ } | Select-Object -First 1",
        "$a.Where{ $_ -gt 1 }",
        "[int]::MaxValue + 1",
        "$a, $b = 1, 2",
        "function global:Get-Thing { 'x' }",
        "data { 'x' }",
        "for ($i = 0; $i -lt 3; $i++) { $i }",
        "do { $i++ } until ($i -gt 3)",
        "switch -Regex -CaseSensitive ('a') { '^a' { 1 } default { 2 } }",
        "1..3 |\n  ForEach-Object { $_ }",
        "Get-X\n| Get-Y",
    ] {
        parse(source).unwrap_or_else(|e| panic!("{source:?} should parse: {e:?}"));
    }
}

#[test]
fn deep_nesting_is_a_parse_error_not_a_crash() {
    // On the stack the shell thread has (`main.rs`), as in the binary.
    let check = || {
        let source = "(".repeat(1000) + &")".repeat(1000);
        let e = parse(&source).expect_err("too deep");
        assert_eq!(e.id, "ScriptTooDeeplyNested");
        let source = "{".repeat(1000) + &"}".repeat(1000);
        assert_eq!(parse(&source).expect_err("too deep").id, "ScriptTooDeeplyNested");
    };
    let thread = std::thread::Builder::new().stack_size(256 * 1024 * 1024).spawn(check).expect("thread");
    assert!(thread.join().is_ok());
}

fn word(element: &CommandElement) -> &Name {
    match element {
        CommandElement::Argument(Expr { kind: ExprKind::String(s) | ExprKind::BareWord(s), .. }) => s,
        other => panic!("expected a string argument, got {other:?}"),
    }
}

#[test]
fn a_name_met_again_shares_its_text_and_names_pushed_out_of_the_interner_stay_right() {
    let c = only("Get-Item Server01 'Server01' srv02 Server01");
    assert!(std::rc::Rc::ptr_eq(word(&c.elements[0]), word(&c.elements[1])));
    assert!(std::rc::Rc::ptr_eq(word(&c.elements[0]), word(&c.elements[3])));
    assert_eq!(&**word(&c.elements[2]), "srv02");
    // Far more names than the interner keeps, each met again after all the others: every
    // one still reads as written.
    let names: Vec<String> = (0..5000).map(|n| format!("name{n}")).collect();
    let source = format!("Get-Item {} {}", names.join(" "), names.join(" "));
    let c = only(&source);
    assert_eq!(c.elements.len(), 10_000);
    for (n, element) in c.elements.iter().enumerate() {
        assert_eq!(&**word(element), names[n % 5000], "argument {n}");
    }
}
