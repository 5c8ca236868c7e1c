//! Issue 13's file, CSV, text and utility cmdlets on the real file system: each test runs a
//! script in a fresh in-process session whose location is a new temporary folder, and checks the output,
//! the errors (PowerShell's ids and messages) and the files left behind — including that bad
//! input changed nothing.

use std::fs;

use ccrsh::shell::client::Client;
use ccrsh::shell::session::SourceName;

use crate::support::captured_session;
use crate::support::{lines, run_offline_in as run_in};

#[test]
fn items_are_listed_created_copied_moved_renamed_and_removed() {
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        "New-Item -ItemType Directory logs | Out-Null
         Set-Content logs/E00.log 'a'; Set-Content logs/E01.txt 'b'; New-Item logs/sub -ItemType Directory | Out-Null
         Set-Content logs/sub/deep.log 'c'
         (Get-ChildItem logs | ForEach-Object Name) -join ','
         (Get-ChildItem logs -Filter *.log -Recurse | ForEach-Object Name) -join ','
         (Get-ChildItem logs -Recurse -Name -File) -join ','
         (Get-ChildItem logs -Directory).Name
         (Get-ChildItem logs/*.txt).Extension
         (Get-Item logs/E00.log).Length
         Test-Path logs -PathType Container; Test-Path logs -PathType Leaf; Test-Path logs/*.log
         Copy-Item logs copy -Recurse; (Get-ChildItem copy -Recurse -Name) -join ','
         Rename-Item copy/E00.log renamed.log; Move-Item copy/renamed.log .; Test-Path renamed.log
         Remove-Item copy -Recurse; Test-Path copy",
    );
    assert_eq!(ran.stderr, "");
    assert_eq!(
        lines(&ran.stdout),
        [
            "sub,E00.log,E01.txt",
            "E00.log,deep.log",
            "E00.log,E01.txt,sub/deep.log",
            "sub",
            ".txt",
            "2",
            "True",
            "False",
            "True",
            "sub,E00.log,E01.txt,sub/deep.log",
            "True",
            "False",
        ]
    );
}

#[test]
fn missing_paths_are_powershells_errors_and_change_nothing() {
    let dir = tempfile::tempdir().expect("temp");
    fs::write(dir.path().join("keep.txt"), "keep\n").expect("file");
    fs::create_dir(dir.path().join("full")).expect("dir");
    fs::write(dir.path().join("full/x"), "x").expect("file");
    let ran = run_in(
        dir.path(),
        "Get-Content nope.txt
         $Error[0].FullyQualifiedErrorId
         Get-Item nope -ErrorAction SilentlyContinue; 'quiet'
         Remove-Item full
         Set-Location nowhere
         Split-Path $PWD -Leaf
         New-Item keep.txt -Value x
         Get-Content full
         Rename-Item keep.txt ../elsewhere.txt",
    );
    let err = &ran.stderr;
    assert!(err.contains("Cannot find path"), "{err}");
    assert!(ran.stdout.contains("PathNotFound,Microsoft.PowerShell.Commands.GetContentCommand"), "{}", ran.stdout);
    assert!(ran.stdout.contains("quiet"));
    assert!(err.contains("has children and the Recurse parameter was not specified"), "{err}");
    assert!(err.contains("The file '") && err.contains("keep.txt' already exists."), "{err}");
    assert!(err.contains("Unable to get content because it is a directory"), "{err}");
    assert!(err.contains("Cannot rename the specified target, because it represents a path or device name."), "{err}");
    let leaf = dir.path().file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    assert!(lines(&ran.stdout).contains(&leaf.as_str()), "the location did not change: {}", ran.stdout);
    assert_eq!(fs::read_to_string(dir.path().join("keep.txt")).ok().as_deref(), Some("keep\n"));
    assert!(dir.path().join("full/x").exists());
}

#[test]
fn content_is_read_by_lines_and_written_atomically() {
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        "1..5 | Set-Content n.txt
         (Get-Content n.txt -TotalCount 2) -join ','
         (Get-Content n.txt -Tail 2) -join ','
         (Get-Content n.txt -Raw).Length
         Add-Content n.txt 6; (Get-Content n.txt).Count
         Clear-Content n.txt; (Get-Item n.txt).Length
         Set-Content u.txt 'größe' -Encoding Unicode; (Get-Item u.txt).Length; Get-Content u.txt
         'a','b' | Out-File o.txt; 'c' | Out-File o.txt -Append; (Get-Content o.txt) -join ','
         'd' | Out-File o.txt -NoClobber
         (Get-Content o.txt) -join ','
         Set-Content x.txt 'x' -Encoding EBCDIC",
    );
    assert_eq!(lines(&ran.stdout), ["1,2", "4,5", "10", "6", "0", "14", "größe", "a,b,c", "a,b,c"]);
    assert!(ran.stderr.contains("already exists"), "{}", ran.stderr);
    assert!(ran.stderr.contains("'EBCDIC' is not a supported encoding name"), "{}", ran.stderr);
    assert!(!dir.path().join("x.txt").exists(), "a bad encoding writes nothing");
    let left: Vec<String> =
        fs::read_dir(dir.path()).expect("dir").flatten().map(|e| e.file_name().to_string_lossy().to_string()).collect();
    assert!(!left.iter().any(|n| n.contains("ccrsh-tmp")), "no temporary file left: {left:?}");
}

#[test]
fn redirections_write_where_the_shell_is_as_out_file_does() {
    let dir = tempfile::tempdir().expect("temp");
    fs::create_dir(dir.path().join("reports")).expect("folder");
    let ran = run_in(
        dir.path(),
        "Set-Location reports
         'größe' > r.txt; 2 >> r.txt; (Get-Content r.txt) -join ','
         Write-Error 'copy failed' 2> errors.txt; Get-Content errors.txt
         'x' > ../reports/missing/r.txt
         Get-ChildItem -Name",
    );
    let reports = dir.path().join("reports");
    // PowerShell 7's Out-File: UTF-8 without a byte-order mark, one line per object.
    assert_eq!(fs::read(reports.join("r.txt")).ok(), Some("größe\n2\n".as_bytes().to_vec()));
    // The error as PowerShell 7's ConciseView writes it to a file.
    assert_eq!(lines(&ran.stdout), ["größe,2", "Write-Error: copy failed", "errors.txt", "r.txt"]);
    assert!(ran.stderr.contains("Out-File"), "the failed redirection names Out-File: {}", ran.stderr);
    assert!(!dir.path().join("r.txt").exists(), "nothing is written where the process started");
    assert!(!reports.join("missing").exists(), "a redirection into a missing folder creates nothing");
}

#[test]
fn writes_never_go_through_a_link() {
    let dir = tempfile::tempdir().expect("temp");
    let outside = tempfile::tempdir().expect("outside");
    let target = outside.path().join("secret.txt");
    fs::write(&target, "secret\n").expect("file");
    std::os::unix::fs::symlink(&target, dir.path().join("link.txt")).expect("link");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linkdir")).expect("dir link");
    let ran = run_in(
        dir.path(),
        "Set-Content link.txt 'x'; Add-Content link.txt 'y'; 'z' | Out-File link.txt; 'w' > link.txt; 'v' >> link.txt
         Remove-Item linkdir -Recurse; Test-Path linkdir",
    );
    assert_eq!(fs::read_to_string(&target).ok().as_deref(), Some("secret\n"));
    assert!(ran.stderr.contains("symbolic link"), "{}", ran.stderr);
    assert!(target.exists(), "removing a link to a folder leaves the folder's files");
    assert_eq!(lines(&ran.stdout), ["False"]);
}

#[test]
fn huge_files_stream_and_binary_files_read() {
    let dir = tempfile::tempdir().expect("temp");
    let big = dir.path().join("big.log");
    let line = "x".repeat(99) + "\n";
    fs::write(&big, line.repeat(200_000)).expect("20 MB");
    fs::write(dir.path().join("bin.dat"), [0u8, 159, 146, 150, 255, b'\n', b'o', b'k']).expect("binary");
    let ran = run_in(
        dir.path(),
        "(Get-Content big.log -TotalCount 3).Count
         (Get-Content big.log -Tail 1).Length
         (Get-Content bin.dat)[1]
         (Get-Content bin.dat -AsByteStream)[4]
         (Select-String -Path big.log -Pattern nomatch -Quiet)",
    );
    assert_eq!(ran.stderr, "");
    assert_eq!(lines(&ran.stdout), ["3", "99", "ok", "255", "False"]);
}

#[test]
fn paths_split_join_and_resolve() {
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        r"Split-Path 'C:\Logs\E00.log'; Split-Path 'C:\Logs\E00.log' -Leaf; Split-Path 'C:\Logs\E00.log' -Qualifier
          Split-Path 'C:\Logs\E00.log' -LeafBase; Split-Path 'C:\Logs\E00.log' -Extension; Split-Path '/var/log' -IsAbsolute
          Join-Path 'C:\Reports' 'daily.csv'; Join-Path /tmp a b c
          Set-Content a.log x; Resolve-Path *.log -Relative
          (Resolve-Path a.log).Path -eq (Join-Path $PWD a.log)
          New-Item -ItemType Directory d | Out-Null; Push-Location d; Split-Path -Leaf (Get-Location); Pop-Location; (Split-Path -Leaf $PWD) -eq (Split-Path -Leaf (Get-Location))",
    );
    assert_eq!(ran.stderr, "");
    let out = lines(&ran.stdout);
    assert_eq!(
        out[..10],
        [r"C:\Logs", "E00.log", "C:", "E00", ".log", "True", r"C:\Reports\daily.csv", "/tmp/a/b/c", "./a.log", "True"]
    );
    assert_eq!(out[10..], ["d", "True"]);
}

#[test]
fn csv_round_trips_with_powershell_7_defaults() {
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        "$rows = [pscustomobject]@{Server='EX01'; Note='a, \"b\"'; Count=3}, [pscustomobject]@{Server='EX02'; Note=$null; Count=4}
         $rows | Export-Csv r.csv -NoTypeInformation
         Get-Content r.csv
         [pscustomobject]@{Server='EX03'; Note='n'; Count=5} | Export-Csv r.csv -Append
         $back = Import-Csv r.csv; $back.Count; $back[0].Note; $back[2].Server; $back[1].Note -eq ''
         $rows | ConvertTo-Csv -UseQuotes AsNeeded -Delimiter ';' | Select-Object -First 2
         $rows | ConvertTo-Csv -IncludeTypeInformation | Select-Object -First 1
         'a,a', '1,2' | ConvertFrom-Csv
         [pscustomobject]@{Other=1} | Export-Csv r.csv -Append
         (Get-Content r.csv).Count",
    );
    assert_eq!(
        lines(&ran.stdout),
        [
            "\"Server\",\"Note\",\"Count\"",
            "\"EX01\",\"a, \"\"b\"\"\",\"3\"",
            "\"EX02\",,\"4\"",
            "3",
            "a, \"b\"",
            "EX03",
            "True",
            "Server;Note;Count",
            "EX01;\"a, \"\"b\"\"\";3",
            "#TYPE System.Management.Automation.PSCustomObject",
            "4",
        ]
    );
    assert!(ran.stderr.contains("The member \"a\" is already present."), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("does not have a property that corresponds to the following column: Server"),
        "{}",
        ran.stderr
    );
}

#[test]
fn select_string_finds_lines_with_context() {
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        "Set-Content app.log 'start','ERROR one','ok','error two','end'
         Select-String -Path app.log -Pattern error
         '--'
         Select-String -Path app.log -Pattern 'ERROR' -CaseSensitive -Context 1
         '--'
         (Get-ChildItem *.log | Select-String 'e(rr)or' -List).Matches[0].Groups[1].Value
         'a.b', 'axb' | Select-String -SimpleMatch 'a.b' | ForEach-Object Line
         ('x1 x2' | Select-String 'x\\d' -AllMatches).Matches.Count
         ('abc' | Select-String -NotMatch 'z').Line
         Select-String -Path app.log -Pattern '('",
    );
    assert_eq!(
        lines(&ran.stdout),
        [
            "app.log:2:ERROR one",
            "app.log:4:error two",
            "--",
            "  app.log:1:start",
            "> app.log:2:ERROR one",
            "  app.log:3:ok",
            "--",
            "RR",
            "a.b",
            "2",
            "abc",
        ]
    );
    assert!(ran.stderr.contains("is not a valid regular expression"), "{}", ran.stderr);
}

#[test]
fn script_root_names_the_scripts_folder() {
    let dir = tempfile::tempdir().expect("temp");
    let script = dir.path().join("report.ps1");
    fs::write(&script, "\"root=$PSScriptRoot\"; \"path=$PSCommandPath\"").expect("script");
    let client = Client::new("http://127.0.0.1:9", None).expect("client");
    let (mut session, out, _) = captured_session(client, None);
    let text = fs::read_to_string(&script).expect("read");
    session.run_script(&text, &script.display().to_string(), &[]);
    assert_eq!(lines(&out.text()), [format!("root={}", dir.path().display()), format!("path={}", script.display())]);
}

/// A script knows itself as PowerShell's scripts do (`Split-Path -Parent
/// $MyInvocation.MyCommand.Path`, then dot-sourcing a library beside it with a Windows path),
/// from `-File` and from `& .\\script.ps1` after a `Set-Location`; a function tells where it was
/// called from.
#[test]
fn scripts_find_themselves_and_the_files_beside_them() {
    let dir = tempfile::tempdir().expect("temp");
    let tools = dir.path().join("tools");
    fs::create_dir(&tools).expect("folder");
    fs::write(tools.join("lib.ps1"), "function Get-Where { \"$($MyInvocation.InvocationName) from $(Split-Path -Leaf $MyInvocation.ScriptName):$($MyInvocation.ScriptLineNumber)\" }").expect("lib");
    let main = "$here = Split-Path -Parent $MyInvocation.MyCommand.Path
. \"$here\\lib.ps1\"
$MyInvocation.MyCommand.Name; $MyInvocation.MyCommand.CommandType; $here -eq $PSScriptRoot
Get-Where
& \"$here\\child.ps1\"";
    fs::write(tools.join("main.ps1"), main).expect("main");
    fs::write(tools.join("child.ps1"), "\"child: $(Split-Path -Leaf $MyInvocation.MyCommand.Path) called by $(Split-Path -Leaf $MyInvocation.ScriptName)\"").expect("child");
    let expected =
        ["main.ps1", "ExternalScript", "True", "Get-Where from main.ps1:4", "child: child.ps1 called by main.ps1"];
    let client = Client::new("http://127.0.0.1:9", None).expect("client");
    let (mut session, out, err) = captured_session(client, None);
    let text = fs::read_to_string(tools.join("main.ps1")).expect("read");
    session.run_script(&text, &tools.join("main.ps1").display().to_string(), &[]);
    assert_eq!(lines(&out.text()), expected, "{}", err.text());
    // Called by a relative Windows path from elsewhere.
    let ran = run_in(dir.path(), "Set-Location tools; Set-Location ..; & .\\tools\\main.ps1");
    assert_eq!(lines(&ran.stdout), expected, "{}", ran.stderr);
}

/// `-File` leaves the script's parse tree to the process's exit (docs/performance.md, "Parser"):
/// what the script defined still works after it, and its output is as `run_script` gives it.
#[test]
fn a_script_run_before_exit_keeps_what_it_defined() {
    let dir = tempfile::tempdir().expect("temp");
    let script = dir.path().join("define.ps1");
    let text = "param($Name) function global:Greet { \"hello $args\" }; $global:block = { 2 * $_ }; Greet $Name";
    fs::write(&script, text).expect("script");
    let client = Client::new("http://127.0.0.1:9", None).expect("client");
    let (mut session, out, _) = captured_session(client, None);
    session.run_script_before_exit(text.to_string(), &script.display().to_string(), &["world".to_string()]);
    session.run("Greet again; 1..3 | ForEach-Object $block", &SourceName::Command);
    assert_eq!(lines(&out.text()), ["hello world", "hello again", "2", "4", "6"]);
}

/// The block of docs/GUIDE.md's "Reports and files", run as a user would, on a fresh seed lab.
#[test]
fn the_guides_daily_report_runs() {
    let guide = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/GUIDE.md")).expect("guide");
    let section = guide.split("## Reports and files").nth(1).expect("the section");
    let block = section.split("```powershell\n").nth(1).and_then(|b| b.split("```").next()).expect("the script");
    let home = crate::support::Home::new();
    let run = home.run(&["-NoProfile", "-NonInteractive", "-c", block]);
    assert_eq!(run.stderr, "", "{}", run.stdout);
    let names = lines(&run.stdout);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names[0].starts_with("copy-status-") && names[0].ends_with(".csv"), "{names:?}");
    assert_eq!(names[2], "history.log");
    let folder = home.dir.path().join("reports");
    let csv = fs::read_to_string(folder.join(names[0])).expect("csv");
    assert!(csv.starts_with("\"Name\",\"SummaryCopyStatus\",\"CopyQueueLength\",\"ReplayQueueLength\"\n"), "{csv}");
    assert!(csv.lines().count() > 1, "{csv}");
    let html = fs::read_to_string(folder.join(names[1])).expect("html");
    assert!(html.contains("<th>Name</th><th>SummaryCopyStatus</th>") && html.contains("</body></html>"), "{html}");
    assert!(html.contains("copies need attention.</p>"), "{html}");
    let log = fs::read_to_string(folder.join("history.log")).expect("log");
    assert!(log.contains(" copies, ") && log.ends_with("not healthy\n"), "{log}");
}

#[test]
fn env_variable_and_alias_drives_answer_the_item_cmdlets() {
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        "New-Item Env:CCRSH_REPORT_DIR -Value /srv/reports | Out-Null
         Test-Path Env:CCRSH_REPORT_DIR; Get-Content Env:CCRSH_REPORT_DIR; $env:CCRSH_REPORT_DIR
         (Get-ChildItem Env:CCRSH_REPORT_*).Value
         Set-Content Env:CCRSH_REPORT_DIR /tmp; $env:CCRSH_REPORT_DIR
         Remove-Item Env:CCRSH_REPORT_DIR; Test-Path Env:CCRSH_REPORT_DIR
         $limit = 5; Test-Path Variable:limit; (Get-Item Variable:limit).Value; Test-Path Variable:nosuch
         (Get-Item Alias:gci).Definition
         Get-Item Env:NO_SUCH_VARIABLE_X",
    );
    assert_eq!(
        lines(&ran.stdout),
        [
            "True",
            "/srv/reports",
            "/srv/reports",
            "/srv/reports",
            "/tmp",
            "False",
            "True",
            "5",
            "False",
            "Get-ChildItem"
        ]
    );
    assert!(
        ran.stderr.contains("Cannot find path 'Env:NO_SUCH_VARIABLE_X' because it does not exist."),
        "{}",
        ran.stderr
    );
}

#[test]
fn dotnet_io_types_read_and_write_files() {
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        r#"[System.IO.Path]::GetDirectoryName('C:\Logs\E00.log'); [IO.Path]::GetFileNameWithoutExtension('E00.log'); [IO.Path]::GetExtension('a.csv')
          [IO.Path]::Combine('C:\Reports', 'x.csv')
          [IO.File]::WriteAllText((Join-Path $PWD 'a.txt'), "one`ntwo`n"); [IO.File]::Exists((Join-Path $PWD 'a.txt'))
          [IO.File]::ReadAllLines((Join-Path $PWD 'a.txt')).Count
          [IO.File]::AppendAllText((Join-Path $PWD 'a.txt'), 'three'); [IO.File]::ReadAllText((Join-Path $PWD 'a.txt')).Length
          [IO.Directory]::Exists($PWD.Path); ([IO.Directory]::GetFiles($PWD.Path, '*.txt')).Count
          ([IO.FileInfo](Join-Path $PWD 'a.txt')).Length
          [IO.File]::ReadAllText('/no/such/file.txt')"#,
    );
    assert_eq!(
        lines(&ran.stdout),
        [r"C:\Logs", "E00", ".csv", r"C:\Reports\x.csv", "True", "2", "13", "True", "1", "13"]
    );
    assert!(ran.stderr.contains("Exception calling \"ReadAllText\" with \"1\" argument(s): \"Could not find a part of the path '/no/such/file.txt'.\""), "{}", ran.stderr);
}

#[test]
fn get_random_stays_in_range_and_write_progress_prints_nothing() {
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        "$r = 1..200 | ForEach-Object { Get-Random -Minimum 1 -Maximum 7 }
         ($r | Where-Object { $_ -lt 1 -or $_ -gt 6 }).Count; ($r | Sort-Object -Unique).Count
         (1..10 | Get-Random -Count 20 | Sort-Object -Unique).Count
         (Get-Random -SetSeed 42) -eq (Get-Random -SetSeed 42)
         Write-Progress -Activity 'Checking' -PercentComplete 50; Write-Progress -Activity 'Checking' -Completed
         $before = Get-Random -Minimum 0.5 -Maximum 1.5; $before -ge 0.5 -and $before -lt 1.5
         Get-Random -Minimum 5 -Maximum 5",
    );
    assert_eq!(lines(&ran.stdout), ["0", "6", "10", "True", "True"]);
    assert!(ran.stderr.contains("cannot be greater than or equal to the Maximum value"), "{}", ran.stderr);
}

#[test]
fn item_properties_are_read_and_the_settable_ones_set() {
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        "Set-Content report.csv 'a,b'
         (Get-ItemProperty report.csv -Name Length).Length
         (Get-ItemProperty report.csv).PSChildName
         (Get-ItemProperty report.csv -Name Len*).PSObject.Properties.Name -contains 'Length'
         (Get-ItemPropertyValue report.csv -Name Name, Extension) -join ' '
         Set-ItemProperty report.csv -Name IsReadOnly -Value $true; (Get-Item report.csv).IsReadOnly
         Set-ItemProperty report.csv -Name Attributes -Value Normal; (Get-Item report.csv).IsReadOnly
         Set-ItemProperty report.csv -Name LastWriteTime -Value '2007-06-01 08:00'
         (Get-Item report.csv).LastWriteTime.Year
         Set-ItemProperty report.csv -Name LastWriteTime -Value '2020-01-01' -WhatIf
         (Get-Item report.csv).LastWriteTime.Year
         try { Get-ItemProperty report.csv -Name NoSuch -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
         try { Get-ItemProperty nosuch.csv -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
         (Set-ItemProperty report.csv -Name Length -Value 1 2>&1).Exception.Message
         try { Set-ItemProperty report.csv -Name LastWriteTime -Value 'not a date' -ErrorAction Stop } catch { 'bad date refused' }
         try { Set-ItemProperty report.csv -Name Attributes -Value Hidden -ErrorAction Stop } catch { 'hidden refused' }
         (Get-Item report.csv).LastWriteTime.Year; (Get-Item report.csv).Length; (Get-Item report.csv).IsReadOnly",
    );
    let (what_if, shown): (Vec<&str>, Vec<&str>) =
        lines(&ran.stdout).into_iter().partition(|l| l.starts_with("What if:"));
    assert_eq!(what_if.len(), 1, "{what_if:?}");
    assert!(what_if[0].contains("Set Property") && what_if[0].contains("LastWriteTime"), "{what_if:?}");
    assert_eq!(
        shown,
        [
            "4",
            "report.csv",
            "True",
            "report.csv .csv",
            "True",
            "False",
            "2007",
            "2007",
            "System.Management.Automation.PSArgumentException,Microsoft.PowerShell.Commands.GetItemPropertyCommand",
            "PathNotFound,Microsoft.PowerShell.Commands.GetItemPropertyCommand",
            "'Length' is a ReadOnly property.",
            "bad date refused",
            "hidden refused",
            "2007",
            "4",
            "False",
        ]
    );
    assert_eq!(ran.stderr, "");
}

#[test]
fn the_function_drive_lists_reads_defines_and_removes_functions() {
    let dir = tempfile::tempdir().expect("temp");
    let ran = run_in(
        dir.path(),
        "function Get-Report { 'report' }
         Test-Path Function:Get-Report
         (Get-ChildItem Function: | Where-Object Name -eq 'Get-Report').CommandType
         (Get-Item Function:Get-Report).Definition.Trim()
         Set-Content Function:Get-Other { 'other' }; Get-Other
         & { Remove-Item Function:Get-Report }; Test-Path Function:Get-Report
         try { Remove-Item Function:NoSuch -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }",
    );
    assert_eq!(
        lines(&ran.stdout),
        [
            "True",
            "Function",
            "'report'",
            "other",
            "False",
            "PathNotFound,Microsoft.PowerShell.Commands.RemoveItemCommand"
        ]
    );
}
