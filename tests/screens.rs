//! What a user sees at a given terminal width: the Exchange objects' default views, Format-Table
//! (with its default view, `-AutoSize`, `*`, `-Wrap`) and Format-List, rendered as PowerShell's
//! console host lays them out (one column less than the terminal; widths from the data or the
//! view; the last columns narrowed with `…` or dropped; headers never split; lists wrapped
//! under their value column). Each screen is the whole standard output.

use ccrsh::shell::cmdlets::Registry;
use ccrsh::shell::render;
use ccrsh::shell::value::{Record, Value};

use crate::support::{Home, finish};

/// `ccrsh -c COMMAND` on a fresh seed lab, on a terminal `columns` wide.
fn screen(columns: usize, command: &str) -> String {
    let home = Home::new();
    let mut cmd = home.command(&["-NoProfile", "-NonInteractive", "-c", command]);
    cmd.env("COLUMNS", columns.to_string());
    let run = finish(cmd, "");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    run.stdout
}

/// The lines of a screen, the blank first and last lines included.
fn lines(lines: &[&str]) -> String {
    let mut text = String::from("\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push('\n');
    text
}

fn assert_fits(screen: &str, columns: usize) {
    for line in screen.lines() {
        assert!(line.chars().count() < columns, "a line wider than {} columns less one: {line:?}", columns);
    }
}

/// `screen`, with each date and time (`11/30/2026 12:31:24 PM`, or its first five characters
/// cut with `…`) shown as `<time>`: a new lab's logs close when it is built.
fn screen_at_any_time(columns: usize, command: &str) -> String {
    let full = regex::Regex::new(r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M").expect("pattern");
    let cut = regex::Regex::new(r"[0-9/]{5}…").expect("pattern");
    let text = screen(columns, command);
    cut.replace_all(&full.replace_all(&text, "<time>"), "<time>…").into_owned()
}

#[test]
fn copy_status_default_view_at_80_120_and_200_columns() {
    let at_80 = lines(&[
        "Name                 SummaryCopyStatus CopyQueueLength ReplayQueueLength LastI…",
        "----                 ----------------- --------------- ----------------- ------",
        "First Storage Group  Healthy                         0                 0 <time>…",
        "Second Storage Group Healthy                         0                 0 <time>…",
    ]);
    let wide = lines(&[
        "Name                 SummaryCopyStatus CopyQueueLength ReplayQueueLength LastInspectedLogTime",
        "----                 ----------------- --------------- ----------------- --------------------",
        "First Storage Group  Healthy                         0                 0 <time>",
        "Second Storage Group Healthy                         0                 0 <time>",
    ]);
    let screen = screen_at_any_time;
    assert_eq!(screen(80, "Get-StorageGroupCopyStatus"), at_80);
    assert_eq!(screen(120, "Get-StorageGroupCopyStatus"), wide);
    assert_eq!(screen(200, "Get-StorageGroupCopyStatus"), wide);
    // Format-Table with no properties uses the same default view, with or without -AutoSize.
    assert_eq!(screen(80, "Get-StorageGroupCopyStatus | Format-Table"), at_80);
    assert_eq!(screen(80, "Get-StorageGroupCopyStatus | ft -AutoSize"), at_80);
    assert_eq!(screen(120, "Get-StorageGroupCopyStatus | ft"), wide);
}

#[test]
fn mailbox_server_storage_group_and_database_views_at_80_120_and_200_columns() {
    let servers_80 = lines(&[
        "Name          ClusteredStorageType RedundantMachines              AutoDatabase…",
        "----          -------------------- -----------------              -------------",
        "CCREX01       NonShared            {NH-W2K3-SRV03, NH-W2K3-SRV04} BestAvailabi…",
        "NH-W2K3-SRV01 Disabled             {}                             BestAvailabi…",
        "NH-W2K3-SRV05 Disabled             {}                             BestAvailabi…",
    ]);
    let servers_wide = lines(&[
        "Name          ClusteredStorageType RedundantMachines              AutoDatabaseMountDial",
        "----          -------------------- -----------------              ---------------------",
        "CCREX01       NonShared            {NH-W2K3-SRV03, NH-W2K3-SRV04} BestAvailability",
        "NH-W2K3-SRV01 Disabled             {}                             BestAvailability",
        "NH-W2K3-SRV05 Disabled             {}                             BestAvailability",
    ]);
    assert_eq!(screen(80, "Get-MailboxServer"), servers_80);
    assert_eq!(screen(120, "Get-MailboxServer"), servers_wide);
    assert_eq!(screen(200, "Get-MailboxServer"), servers_wide);

    let groups = lines(&[
        "Name                 Server  Replicated Recovery",
        "----                 ------  ---------- --------",
        "First Storage Group  CCREX01 Cluster    False",
        "Second Storage Group CCREX01 Cluster    False",
    ]);
    let databases = lines(&[
        "Name             Server  StorageGroup                Recovery",
        "----             ------  ------------                --------",
        "Mailbox Database CCREX01 CCREX01\\First Storage Group False",
    ]);
    for columns in [80, 120, 200] {
        assert_eq!(screen(columns, "Get-StorageGroup"), groups, "at {columns}");
        assert_eq!(screen(columns, "Get-MailboxDatabase"), databases, "at {columns}");
    }
}

#[test]
fn cms_status_list_wraps_values_under_the_value_column_at_80_columns() {
    let at_80 = lines(&[
        "Identity                        : CCREX01",
        "ClusteredMailboxServerName      : CCREX01.contoso.local",
        "State                           : Online",
        "OperationalMachines             : {NH-W2K3-SRV03 <Active, Quorum Owner>,",
        "                                  NH-W2K3-SRV04}",
        "FailedResources                 : {}",
        "OperationalReplicationHostNames : {NH-W2K3-SRV03, NH-W2K3-SRV04}",
        "FailedReplicationHostNames      : {}",
        "InUseReplicationHostNames       : {NH-W2K3-SRV03, NH-W2K3-SRV04}",
        "IsValid                         : True",
        "ObjectState                     : Unchanged",
    ]);
    let wide = at_80.replace(
        "{NH-W2K3-SRV03 <Active, Quorum Owner>,\n                                  NH-W2K3-SRV04}",
        "{NH-W2K3-SRV03 <Active, Quorum Owner>, NH-W2K3-SRV04}",
    );
    assert_eq!(screen(80, "Get-ClusteredMailboxServerStatus"), at_80);
    assert_eq!(screen(120, "Get-ClusteredMailboxServerStatus"), wide);
    assert_eq!(screen(200, "Get-ClusteredMailboxServerStatus | Format-List"), wide);
}

#[test]
fn every_property_in_a_table_cuts_and_drops_the_columns_that_do_not_fit() {
    let at_80 = lines(&[
        "Identity                     Name                 StorageGroupName     Summary…",
        "--------                     ----                 ----------------     --------",
        "CCREX01\\First Storage Group  First Storage Group  First Storage Group  Healthy",
        "CCREX01\\Second Storage Group Second Storage Group Second Storage Group Healthy",
    ]);
    let shown = screen(80, "Get-StorageGroupCopyStatus | Format-Table *");
    assert_eq!(shown, at_80);
    // The properties of the 2007 RTM `fl` list, so the numeric queue columns fall in 200 cells.
    let rtm = "Identity,Name,StorageGroupName,SummaryCopyStatus,Failed,FailedMessage,Seeding,Suspend,SuspendComment,\
               CCRTargetNode,StandbyMachine,CopyQueueLength,ReplayQueueLength,LatestAvailableLogTime,LastCopiedLogTime,\
               LastInspectedLogTime,LastReplayedLogTime,LastLogGenerated,LastLogCopied,LastLogInspected,LastLogReplayed,IsValid";
    let at_200 = screen(200, &format!("Get-StorageGroupCopyStatus | Format-Table {rtm}"));
    assert_fits(&at_200, 200);
    // A right-aligned (numeric) column keeps the end of a header it cuts.
    assert!(at_200.lines().nth(1).is_some_and(|l| l.ends_with("CopyQueueLength …yQueueLength")), "{at_200}");
}

#[test]
fn wrap_puts_long_cells_on_more_lines_instead_of_cutting_them() {
    // Name 16 leaves the identity 22 cells: it wraps between words instead of being cut.
    let wrapped = screen(40, "Get-MailboxDatabase | Format-Table Name,StorageGroup -Wrap");
    let expected = lines(&[
        "Name             StorageGroup",
        "----             ------------",
        "Mailbox Database CCREX01\\First Storage",
        "                 Group",
    ]);
    assert_eq!(wrapped, expected);
    let cut = screen(40, "Get-MailboxDatabase | Format-Table Name,StorageGroup");
    assert!(cut.contains("Mailbox Database CCREX01\\First Storage…\n"), "{cut}");
    let names = screen(40, "Get-MailboxServer | Format-Table Name,RedundantMachines -Wrap");
    assert_eq!(
        names,
        lines(&[
            "Name          RedundantMachines",
            "----          -----------------",
            "CCREX01       {NH-W2K3-SRV03,",
            "              NH-W2K3-SRV04}",
            "NH-W2K3-SRV01 {}",
            "NH-W2K3-SRV05 {}",
        ])
    );
}

/// The sample row of Microsoft's Get-StorageGroupCopyStatus page, through the cmdlet's view.
#[test]
fn copy_status_with_times_at_80_120_and_200_columns() {
    let row = |name: &str, queue: i64| {
        Value::from(
            Record::new("Microsoft.Exchange.Management.SystemConfigurationTasks.StorageGroupCopyStatusEntry")
                .with("Name", name)
                .with("SummaryCopyStatus", "Healthy")
                .with("CopyQueueLength", queue)
                .with("ReplayQueueLength", 0i64)
                .with("LastInspectedLogTime", "6/14/2007 4:42:01 PM"),
        )
    };
    let values = [row("StorageGroup1", 0), row("StorageGroup2", 12)];
    let render_at = |columns: usize| {
        let mut out = Vec::new();
        let registry = Registry::global();
        render::write_values(&mut out, &values, &|t| registry.view_for(t), columns - 1).expect("written");
        String::from_utf8(out).expect("utf-8")
    };
    let wide = lines(&[
        "Name          SummaryCopyStatus CopyQueueLength ReplayQueueLength LastInspectedLogTime",
        "----          ----------------- --------------- ----------------- --------------------",
        "StorageGroup1 Healthy                         0                 0 6/14/2007 4:42:01 PM",
        "StorageGroup2 Healthy                        12                 0 6/14/2007 4:42:01 PM",
    ]);
    assert_eq!(render_at(200), wide);
    assert_eq!(render_at(120), wide);
    assert_eq!(
        render_at(80),
        lines(&[
            "Name          SummaryCopyStatus CopyQueueLength ReplayQueueLength LastInspecte…",
            "----          ----------------- --------------- ----------------- -------------",
            "StorageGroup1 Healthy                         0                 0 6/14/2007 4:…",
            "StorageGroup2 Healthy                        12                 0 6/14/2007 4:…",
        ])
    );
    // At 60 columns the time column is dropped, and the replay queue (a right-aligned number
    // column) narrowed: its header keeps its end.
    assert_eq!(
        render_at(60),
        lines(&[
            "Name          SummaryCopyStatus CopyQueueLength …ueueLength",
            "----          ----------------- --------------- -----------",
            "StorageGroup1 Healthy                         0           0",
            "StorageGroup2 Healthy                        12           0",
        ])
    );
}

#[test]
fn file_listings_group_under_a_directory_header_per_folder() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().display().to_string();
    let setup = format!(
        "Set-Location -LiteralPath '{root}'
         New-Item -ItemType Directory logs -Force | Out-Null; Set-Content a.txt 'hello'; Set-Content logs/E00.log 'log'
         Get-ChildItem -Recurse | ForEach-Object {{ $_.LastWriteTime = [datetime]'2026-11-29 08:00' }}"
    );
    let one = screen(120, &format!("{setup}\nGet-ChildItem"));
    let recursed = screen(120, &format!("{setup}\nGet-ChildItem -Recurse"));
    let item = screen(120, &format!("{setup}\nGet-Item logs/E00.log"));
    // PowerShell 7's `children` view: Mode (7 wide), LastWriteTime as short date and time (26,
    // right), Length (14, right, empty for folders), Name.
    let header = [
        "Mode                 LastWriteTime         Length Name",
        "----                 -------------         ------ ----",
    ];
    let group = |folder: &str, rows: &[&str]| {
        let mut text = format!("    Directory: {folder}\n\n{}\n{}\n", header[0], header[1]);
        for row in rows {
            text.push_str(row);
            text.push('\n');
        }
        text.push('\n');
        text
    };
    let logs = format!("{root}/logs");
    // PowerShell's grouping: a blank line, the header, a blank line, the table, a blank line;
    // folders and files of one folder share a table.
    let top = [
        "d----          11/29/2026  8:00 AM                logs",
        "-a---          11/29/2026  8:00 AM              6 a.txt",
    ];
    assert_eq!(one, format!("\n{}", group(&root, &top)), "one folder");
    let deep = ["-a---          11/29/2026  8:00 AM              4 E00.log"];
    assert_eq!(recursed, format!("\n{}{}", group(&root, &top), group(&logs, &deep)), "one group per folder");
    assert_eq!(item, format!("\n{}", group(&logs, &deep)), "one item");
    assert_fits(&recursed, 120);
}

#[test]
fn an_error_as_an_object_shows_as_its_concise_view() {
    // `$_` in a catch block, `$Error[0]` and `2>&1` output: one line, `Command: message`, as
    // PowerShell 7's ConciseView, not the record's ten properties.
    let shown = screen(
        120,
        "try { throw 'boom' } catch { $_ }
         Write-Error 'copy failed' 2>&1
         Get-Item /no/such/path 2>$null; $Error[0]",
    );
    assert_eq!(
        shown,
        "Exception: boom\nWrite-Error: copy failed\nGet-Item: Cannot find path '/no/such/path' because it does not exist.\n"
    );
    // Its properties are still there for Format-List.
    let listed = screen(120, "$e = Write-Error 'copy failed' 2>&1; $e | Format-List Message, FullyQualifiedErrorId");
    assert!(listed.contains("Message               : copy failed"), "{listed}");
}
