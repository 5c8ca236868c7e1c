//! The cmdlets: one table pairing each spec in `cmdlets/` with the function that runs it, and
//! the [`Registry`] that finds them by name (case-insensitively).
//!
//! Owns: [`CMDLETS`], [`Registry`], [`Context`] (what a running cmdlet may use). Each noun
//! family's implementations live in their own file here.
//!
//! Must not: print (cmdlets return values; `render` shows them) or speak HTTP other than
//! through `client`. To add a cmdlet: write `cmdlets/Verb-Noun.toml`, its function in the
//! noun family's file, and one line in [`CMDLETS`]; the tests fail until all three exist.

mod add_type;
mod change;
mod cluster;
mod cluster_exe;
mod clustered_mailbox_server;
mod columns;
mod connection;
mod content;
mod csv;
mod database;
mod dates;
mod discovery;
mod drives;
mod eseutil;
pub mod exchange_objects;
mod formatting;
mod history;
mod host;
mod html;
mod item_properties;
mod items;
mod lab;
mod locations;
mod mail;
mod mapi_connectivity;
mod members;
pub mod native;
pub mod node_items;
mod objects;
mod ordering;
mod processes;
mod properties;
mod random;
mod recipients;
mod remoting;
mod services;
pub mod setup;
pub mod snapins;
mod storage_group;
mod text;
mod transport;
mod variables;
mod wmi;

use std::sync::OnceLock;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::ErrorCode;

use super::bind::Invocation;
use super::client::{Client, ClientError};
use super::error_record::ErrorRecord;
use super::eval::Engine;
use super::spec::{self, CmdletSpec, View, ViewKind};
use super::value::Value;

/// What a running cmdlet may use.
pub struct Context<'a> {
    pub client: &'a Client,
    /// The interpreter, for script blocks and variables.
    pub engine: &'a mut dyn Engine,
    /// Warnings (`WARNING: …`), shown after the cmdlet returns as `-WarningAction` says.
    pub warnings: Vec<String>,
    /// Non-terminating errors, handled after the cmdlet returns as `-ErrorAction` says.
    pub errors: Vec<ErrorRecord>,
    /// Verbose messages, shown with `-Verbose`.
    pub verbose: Vec<String>,
    /// Debug messages, shown with `-Debug`.
    pub debug: Vec<String>,
    /// Information records (`Write-Information`), shown as `$InformationPreference` says.
    pub information: Vec<Value>,
}

impl<'a> Context<'a> {
    /// A context with nothing reported yet.
    pub fn new(client: &'a Client, engine: &'a mut dyn Engine) -> Context<'a> {
        Context {
            client,
            engine,
            warnings: Vec::new(),
            errors: Vec::new(),
            verbose: Vec::new(),
            debug: Vec::new(),
            information: Vec::new(),
        }
    }
}

/// What a streaming cmdlet's [`Processor`] asks of the pipeline after an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Send the next object.
    Continue,
    /// It has all it needs (`Select-Object -First`): the commands before it stop, as with
    /// PowerShell's StopUpstreamCommandsException; its own end still runs.
    StopUpstream,
}

/// A cmdlet that takes its pipeline input one object at a time (PowerShell's
/// ProcessRecord), writing its output to `out` as it goes.
pub trait Processor {
    /// One object from the pipeline; `None` when the cmdlet is first in its pipeline and runs
    /// once on its bound parameters.
    fn process(
        &mut self,
        input: Option<Value>,
        cx: &mut Context<'_>,
        out: &mut Vec<Value>,
    ) -> Result<Step, ErrorRecord>;
    /// After the last object (PowerShell's EndProcessing); nothing unless the cmdlet says so.
    fn end(&mut self, _cx: &mut Context<'_>, _out: &mut Vec<Value>) -> Result<(), ErrorRecord> {
        Ok(())
    }
}

/// Starts a streaming cmdlet (PowerShell's BeginProcessing): its parameters are bound without
/// the pipeline input, which the processor then receives object by object.
pub type StartFn =
    fn(&Invocation<'static>, &mut Context<'_>, &mut Vec<Value>) -> Result<Box<dyn Processor>, ErrorRecord>;

impl Context<'_> {
    /// The objects a `Get-` cmdlet reads. As with Exchange's `Get-` cmdlets, an identity that
    /// matches nothing is a non-terminating error, so `-ErrorAction SilentlyContinue` hides it
    /// and the rest of the pipeline runs; any other failure ends the command.
    pub fn read_all<T: DeserializeOwned>(
        &mut self,
        route: &str,
        query: &impl Serialize,
    ) -> Result<Vec<T>, ErrorRecord> {
        match self.client.get(route, query) {
            Ok(found) => Ok(found),
            Err(ClientError::Rejected(body)) if body.code == ErrorCode::ManagementObjectNotFound => {
                self.errors.push(client_error(ClientError::Rejected(body)));
                Ok(Vec::new())
            }
            Err(other) => Err(client_error(other)),
        }
    }
}

/// Aliases, as PowerShell defines them.
const ALIASES: &[(&str, &str)] = &[
    ("%", "ForEach-Object"),
    ("?", "Where-Object"),
    ("ac", "Add-Content"),
    ("cd", "Set-Location"),
    ("chdir", "Set-Location"),
    ("clc", "Clear-Content"),
    ("clv", "Clear-Variable"),
    ("cls", "Clear-Host"),
    ("compare", "Compare-Object"),
    ("copy", "Copy-Item"),
    ("cpi", "Copy-Item"),
    ("del", "Remove-Item"),
    ("diff", "Compare-Object"),
    ("dir", "Get-ChildItem"),
    ("echo", "Write-Output"),
    ("epcsv", "Export-Csv"),
    ("erase", "Remove-Item"),
    ("fl", "Format-List"),
    ("foreach", "ForEach-Object"),
    ("ft", "Format-Table"),
    ("gc", "Get-Content"),
    ("gci", "Get-ChildItem"),
    ("gcm", "Get-Command"),
    ("gi", "Get-Item"),
    ("gl", "Get-Location"),
    ("gp", "Get-ItemProperty"),
    ("gps", "Get-Process"),
    ("gpv", "Get-ItemPropertyValue"),
    ("gm", "Get-Member"),
    ("group", "Group-Object"),
    ("gsv", "Get-Service"),
    ("gu", "Get-Unique"),
    ("gv", "Get-Variable"),
    ("gwmi", "Get-WmiObject"),
    ("h", "Get-History"),
    ("help", "Get-Help"),
    ("history", "Get-History"),
    ("iex", "Invoke-Expression"),
    ("ipcsv", "Import-Csv"),
    ("measure", "Measure-Object"),
    ("mi", "Move-Item"),
    ("move", "Move-Item"),
    ("ni", "New-Item"),
    ("nv", "New-Variable"),
    ("popd", "Pop-Location"),
    ("ps", "Get-Process"),
    ("pushd", "Push-Location"),
    ("rd", "Remove-Item"),
    ("ren", "Rename-Item"),
    ("ri", "Remove-Item"),
    ("rni", "Rename-Item"),
    ("rv", "Remove-Variable"),
    ("rvpa", "Resolve-Path"),
    ("sasv", "Start-Service"),
    ("select", "Select-Object"),
    ("set", "Set-Variable"),
    ("sl", "Set-Location"),
    ("sleep", "Start-Sleep"),
    ("sls", "Select-String"),
    ("sort", "Sort-Object"),
    ("sp", "Set-ItemProperty"),
    ("spsv", "Stop-Service"),
    ("sv", "Set-Variable"),
    ("tee", "Tee-Object"),
    ("type", "Get-Content"),
    ("where", "Where-Object"),
    ("write", "Write-Output"),
];

/// The .NET class of one of PowerShell's own cmdlets (`Get-Date` →
/// `Microsoft.PowerShell.Commands.GetDateCommand`), which is the second half of the
/// FullyQualifiedErrorId of its errors. `None` for other cmdlets and functions.
pub fn powershell_class(name: &str) -> Option<String> {
    let entry = CMDLETS.iter().find(|e| e.name.eq_ignore_ascii_case(name))?;
    let module = entry.spec_text.lines().find_map(|l| l.strip_prefix("module = "))?;
    if !module.trim_matches('"').starts_with("Microsoft.PowerShell.") {
        return None;
    }
    // Send-MailMessage's class is the one of PowerShell's own without the Command suffix.
    let suffix = if entry.name == "Send-MailMessage" { "" } else { "Command" };
    Some(format!("Microsoft.PowerShell.Commands.{}{suffix}", entry.name.replace('-', "")))
}

/// The cmdlet an alias stands for.
pub fn resolve_alias(name: &str) -> Option<&'static str> {
    ALIASES.iter().find(|(alias, _)| alias.eq_ignore_ascii_case(name)).map(|(_, target)| *target)
}

/// Every alias and its cmdlet.
pub fn aliases() -> &'static [(&'static str, &'static str)] {
    ALIASES
}

/// A cmdlet's implementation: bound parameters (with pipeline input bound to its parameter)
/// in, objects out.
pub type RunFn = fn(&Invocation<'_>, &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord>;

/// One cmdlet: its name, the text of its spec, and its implementation.
pub struct CmdletEntry {
    pub name: &'static str,
    pub spec_file: &'static str,
    pub spec_text: &'static str,
    pub run: RunFn,
    /// For a cmdlet that streams: its start. `run` then serves callers that have all the
    /// input at once.
    pub stream: Option<StartFn>,
}

macro_rules! spec {
    ($file:literal) => {
        ($file, include_str!(concat!("../../../cmdlets/", $file)))
    };
}

const fn entry(name: &'static str, (spec_file, spec_text): (&'static str, &'static str), run: RunFn) -> CmdletEntry {
    CmdletEntry { name, spec_file, spec_text, run, stream: None }
}

/// A cmdlet that streams its pipeline input.
const fn streaming(
    name: &'static str,
    (spec_file, spec_text): (&'static str, &'static str),
    run: RunFn,
    start: StartFn,
) -> CmdletEntry {
    CmdletEntry { name, spec_file, spec_text, run, stream: Some(start) }
}

/// Every cmdlet, alphabetically: one line each, pairing the spec with its implementation.
#[rustfmt::skip]
pub const CMDLETS: &[CmdletEntry] = &[
    entry("Add-Content", spec!("Add-Content.toml"), node_items::add_content),
    entry("Add-Member", spec!("Add-Member.toml"), members::add_member),
    entry("Add-PSSnapin", spec!("Add-PSSnapin.toml"), snapins::add_pssnapin),
    entry("Add-Type", spec!("Add-Type.toml"), add_type::add_type),
    entry("Clear-Content", spec!("Clear-Content.toml"), node_items::clear_content),
    entry("Clear-Host", spec!("Clear-Host.toml"), host::clear_host),
    entry("Clear-Variable", spec!("Clear-Variable.toml"), variables::clear_variable),
    entry("Compare-Object", spec!("Compare-Object.toml"), ordering::compare_object),
    entry("ConvertFrom-Csv", spec!("ConvertFrom-Csv.toml"), csv::convert_from_csv),
    entry("ConvertFrom-Json", spec!("ConvertFrom-Json.toml"), formatting::convert_from_json),
    entry("ConvertFrom-StringData", spec!("ConvertFrom-StringData.toml"), text::convert_from_string_data),
    entry("ConvertTo-Csv", spec!("ConvertTo-Csv.toml"), csv::convert_to_csv),
    entry("ConvertTo-Html", spec!("ConvertTo-Html.toml"), html::convert_to_html),
    entry("ConvertTo-Json", spec!("ConvertTo-Json.toml"), formatting::convert_to_json),
    entry("ConvertTo-SecureString", spec!("ConvertTo-SecureString.toml"), mail::convert_to_secure_string),
    entry("Copy-Item", spec!("Copy-Item.toml"), node_items::copy_item),
    entry("Disable-StorageGroupCopy", spec!("Disable-StorageGroupCopy.toml"), storage_group::disable_copy),
    entry("Dismount-Database", spec!("Dismount-Database.toml"), database::dismount_database),
    entry("Enable-StorageGroupCopy", spec!("Enable-StorageGroupCopy.toml"), storage_group::enable_copy),
    entry("Enter-PSSession", spec!("Enter-PSSession.toml"), remoting::enter_pssession),
    entry("Exit-PSSession", spec!("Exit-PSSession.toml"), remoting::exit_pssession),
    entry("Export-Csv", spec!("Export-Csv.toml"), node_items::export_csv),
    entry("Export-Lab", spec!("Export-Lab.toml"), lab::export_lab),
    streaming("ForEach-Object", spec!("ForEach-Object.toml"), objects::foreach_object, objects::start_foreach_object),
    entry("Format-List", spec!("Format-List.toml"), formatting::format_list),
    entry("Format-Table", spec!("Format-Table.toml"), formatting::format_table),
    entry("Get-ChildItem", spec!("Get-ChildItem.toml"), items::get_child_item),
    entry("Get-ClusteredMailboxServerStatus", spec!("Get-ClusteredMailboxServerStatus.toml"), clustered_mailbox_server::get_status),
    entry("Get-ClusterGroup", spec!("Get-ClusterGroup.toml"), cluster::get_cluster_group),
    entry("Get-ClusterNode", spec!("Get-ClusterNode.toml"), cluster::get_cluster_node),
    entry("Get-ClusterResource", spec!("Get-ClusterResource.toml"), cluster::get_cluster_resource),
    entry("Get-Command", spec!("Get-Command.toml"), discovery::get_command),
    entry("Get-Content", spec!("Get-Content.toml"), content::get_content),
    entry("Get-Credential", spec!("Get-Credential.toml"), host::get_credential),
    entry("Get-Date", spec!("Get-Date.toml"), dates::get_date),
    entry("Get-EventLog", spec!("Get-EventLog.toml"), history::get_event_log),
    entry("Get-ExchangeServer", spec!("Get-ExchangeServer.toml"), clustered_mailbox_server::get_exchange_server),
    entry("Get-Help", spec!("Get-Help.toml"), discovery::get_help),
    entry("Get-History", spec!("Get-History.toml"), host::get_history),
    entry("Get-Host", spec!("Get-Host.toml"), host::get_host),
    entry("Get-Item", spec!("Get-Item.toml"), items::get_item),
    entry("Get-ItemProperty", spec!("Get-ItemProperty.toml"), item_properties::get_item_property),
    entry("Get-ItemPropertyValue", spec!("Get-ItemPropertyValue.toml"), item_properties::get_item_property_value),
    entry("Get-LabMailStatistics", spec!("Get-LabMailStatistics.toml"), lab::get_lab_mail_statistics),
    entry("Get-LabNode", spec!("Get-LabNode.toml"), lab::get_lab_node),
    entry("Get-Location", spec!("Get-Location.toml"), locations::get_location),
    entry("Get-Mailbox", spec!("Get-Mailbox.toml"), recipients::get_mailbox),
    entry("Get-MailboxDatabase", spec!("Get-MailboxDatabase.toml"), database::get_mailbox_database),
    entry("Get-MailboxServer", spec!("Get-MailboxServer.toml"), clustered_mailbox_server::get_mailbox_server),
    entry("Get-MailboxStatistics", spec!("Get-MailboxStatistics.toml"), recipients::get_mailbox_statistics),
    entry("Get-Member", spec!("Get-Member.toml"), objects::get_member),
    entry("Get-Process", spec!("Get-Process.toml"), processes::get_process),
    entry("Get-PSSnapin", spec!("Get-PSSnapin.toml"), snapins::get_pssnapin),
    entry("Get-PublicFolderDatabase", spec!("Get-PublicFolderDatabase.toml"), database::get_public_folder_database),
    entry("Get-Queue", spec!("Get-Queue.toml"), transport::get_queue),
    entry("Get-Random", spec!("Get-Random.toml"), random::get_random),
    entry("Get-Recipient", spec!("Get-Recipient.toml"), recipients::get_recipient),
    entry("Get-Service", spec!("Get-Service.toml"), services::get_service),
    entry("Get-StorageGroup", spec!("Get-StorageGroup.toml"), storage_group::get_storage_group),
    entry("Get-StorageGroupCopyStatus", spec!("Get-StorageGroupCopyStatus.toml"), storage_group::get_copy_status),
    entry("Get-TransportConfig", spec!("Get-TransportConfig.toml"), transport::get_transport_config),
    entry("Get-TransportServer", spec!("Get-TransportServer.toml"), transport::get_transport_server),
    entry("Get-Unique", spec!("Get-Unique.toml"), ordering::get_unique),
    entry("Get-Variable", spec!("Get-Variable.toml"), variables::get_variable),
    entry("Get-WmiObject", spec!("Get-WmiObject.toml"), wmi::get_wmi_object),
    entry("Group-Object", spec!("Group-Object.toml"), ordering::group_object),
    entry("Import-Csv", spec!("Import-Csv.toml"), csv::import_csv),
    entry("Import-Lab", spec!("Import-Lab.toml"), lab::import_lab),
    entry("Invoke-Command", spec!("Invoke-Command.toml"), remoting::invoke_command),
    entry("Invoke-Expression", spec!("Invoke-Expression.toml"), remoting::invoke_expression),
    entry("Join-Path", spec!("Join-Path.toml"), locations::join_path),
    entry("Join-String", spec!("Join-String.toml"), text::join_string),
    entry("Measure-Command", spec!("Measure-Command.toml"), dates::measure_command),
    streaming("Measure-Object", spec!("Measure-Object.toml"), ordering::measure_object, objects::start_measure_object),
    entry("Mount-Database", spec!("Mount-Database.toml"), database::mount_database),
    entry("Move-ClusteredMailboxServer", spec!("Move-ClusteredMailboxServer.toml"), clustered_mailbox_server::move_server),
    entry("Move-ClusterGroup", spec!("Move-ClusterGroup.toml"), clustered_mailbox_server::move_cluster_group),
    entry("Move-DatabasePath", spec!("Move-DatabasePath.toml"), database::move_database_path),
    entry("Move-Item", spec!("Move-Item.toml"), node_items::move_item),
    entry("Move-StorageGroupPath", spec!("Move-StorageGroupPath.toml"), storage_group::move_storage_group_path),
    entry("New-Item", spec!("New-Item.toml"), node_items::new_item),
    entry("New-MailboxDatabase", spec!("New-MailboxDatabase.toml"), database::new_mailbox_database),
    entry("New-Object", spec!("New-Object.toml"), members::new_object),
    entry("New-StorageGroup", spec!("New-StorageGroup.toml"), storage_group::new_storage_group),
    entry("New-TimeSpan", spec!("New-TimeSpan.toml"), dates::new_timespan),
    entry("New-Variable", spec!("New-Variable.toml"), variables::new_variable),
    entry("Out-File", spec!("Out-File.toml"), node_items::out_file),
    entry("Out-Null", spec!("Out-Null.toml"), host::out_null),
    entry("Out-String", spec!("Out-String.toml"), host::out_string),
    entry("Pop-Location", spec!("Pop-Location.toml"), locations::pop_location),
    entry("Push-Location", spec!("Push-Location.toml"), locations::push_location),
    entry("Read-Host", spec!("Read-Host.toml"), host::read_host),
    entry("Remove-Item", spec!("Remove-Item.toml"), node_items::remove_item),
    entry("Remove-MailboxDatabase", spec!("Remove-MailboxDatabase.toml"), database::remove_mailbox_database),
    entry("Remove-PSSnapin", spec!("Remove-PSSnapin.toml"), snapins::remove_pssnapin),
    entry("Remove-StorageGroup", spec!("Remove-StorageGroup.toml"), storage_group::remove_storage_group),
    entry("Remove-Variable", spec!("Remove-Variable.toml"), variables::remove_variable),
    entry("Rename-Item", spec!("Rename-Item.toml"), node_items::rename_item),
    entry("Reset-Lab", spec!("Reset-Lab.toml"), lab::reset_lab),
    entry("Resolve-Path", spec!("Resolve-Path.toml"), locations::resolve_path),
    entry("Restart-Service", spec!("Restart-Service.toml"), services::restart_service),
    entry("Restore-StorageGroupCopy", spec!("Restore-StorageGroupCopy.toml"), storage_group::restore_copy),
    entry("Resume-StorageGroupCopy", spec!("Resume-StorageGroupCopy.toml"), storage_group::resume_copy),
    entry("Search-AdminAuditLog", spec!("Search-AdminAuditLog.toml"), history::search_admin_audit_log),
    streaming("Select-Object", spec!("Select-Object.toml"), objects::select_object, objects::start_select_object),
    entry("Select-String", spec!("Select-String.toml"), text::select_string),
    entry("Send-LabMail", spec!("Send-LabMail.toml"), lab::send_lab_mail),
    entry("Send-MailMessage", spec!("Send-MailMessage.toml"), mail::send_mail_message),
    entry("Set-Content", spec!("Set-Content.toml"), node_items::set_content),
    entry("Set-ItemProperty", spec!("Set-ItemProperty.toml"), item_properties::set_item_property),
    entry("Set-LabClock", spec!("Set-LabClock.toml"), lab::set_lab_clock),
    entry("Set-LabFault", spec!("Set-LabFault.toml"), lab::set_lab_fault),
    entry("Set-LabNetwork", spec!("Set-LabNetwork.toml"), lab::set_lab_network),
    entry("Set-Location", spec!("Set-Location.toml"), locations::set_location),
    entry("Set-MailboxDatabase", spec!("Set-MailboxDatabase.toml"), database::set_mailbox_database),
    entry("Set-MailboxServer", spec!("Set-MailboxServer.toml"), clustered_mailbox_server::set_mailbox_server),
    entry("Set-TransportConfig", spec!("Set-TransportConfig.toml"), transport::set_transport_config),
    entry("Set-Variable", spec!("Set-Variable.toml"), variables::set_variable),
    entry("Sort-Object", spec!("Sort-Object.toml"), ordering::sort_object),
    entry("Split-Path", spec!("Split-Path.toml"), locations::split_path),
    entry("Start-ClusteredMailboxServer", spec!("Start-ClusteredMailboxServer.toml"), clustered_mailbox_server::start_server),
    entry("Start-LabNode", spec!("Start-LabNode.toml"), lab::start_lab_node),
    entry("Start-Service", spec!("Start-Service.toml"), services::start_service),
    entry("Start-Sleep", spec!("Start-Sleep.toml"), host::start_sleep),
    entry("Start-Transcript", spec!("Start-Transcript.toml"), host::start_transcript),
    entry("Stop-ClusteredMailboxServer", spec!("Stop-ClusteredMailboxServer.toml"), clustered_mailbox_server::stop_server),
    entry("Stop-LabNode", spec!("Stop-LabNode.toml"), lab::stop_lab_node),
    entry("Stop-Service", spec!("Stop-Service.toml"), services::stop_service),
    entry("Stop-Transcript", spec!("Stop-Transcript.toml"), host::stop_transcript),
    entry("Suspend-StorageGroupCopy", spec!("Suspend-StorageGroupCopy.toml"), storage_group::suspend_copy),
    entry("Tee-Object", spec!("Tee-Object.toml"), node_items::tee_object),
    entry("Test-Connection", spec!("Test-Connection.toml"), connection::test_connection),
    entry("Test-MailFlow", spec!("Test-MailFlow.toml"), transport::test_mail_flow),
    entry("Test-MAPIConnectivity", spec!("Test-MAPIConnectivity.toml"), mapi_connectivity::test_mapi_connectivity),
    entry("Test-Path", spec!("Test-Path.toml"), items::test_path),
    entry("Test-ReplicationHealth", spec!("Test-ReplicationHealth.toml"), cluster::test_replication_health),
    entry("Test-ServiceHealth", spec!("Test-ServiceHealth.toml"), services::test_service_health),
    entry("Update-StorageGroupCopy", spec!("Update-StorageGroupCopy.toml"), storage_group::update_copy),
    entry("Wait-LabReplication", spec!("Wait-LabReplication.toml"), lab::wait_lab_replication),
    streaming("Where-Object", spec!("Where-Object.toml"), objects::where_object, objects::start_where_object),
    entry("Write-Debug", spec!("Write-Debug.toml"), host::write_debug),
    entry("Write-Error", spec!("Write-Error.toml"), host::write_error),
    entry("Write-EventLog", spec!("Write-EventLog.toml"), history::write_event_log),
    entry("Write-Host", spec!("Write-Host.toml"), host::write_host),
    entry("Write-Output", spec!("Write-Output.toml"), host::write_output),
    entry("Write-Progress", spec!("Write-Progress.toml"), host::write_progress),
    entry("Write-Verbose", spec!("Write-Verbose.toml"), host::write_verbose),
    entry("Write-Warning", spec!("Write-Warning.toml"), host::write_warning),
];

/// The pipeline input (bound to `-InputObject`), unrolled one level as the pipeline would.
pub fn pipeline_input(call: &Invocation<'_>) -> Vec<Value> {
    match call.get("InputObject") {
        Some(Value::Array(items)) => items.borrow().clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one.clone()],
    }
}

/// The objects a cmdlet whose `-InputObject` is one object (`[psobject]`) works on: each object
/// piped in, or the single object given by name. A collection given by name is one object, not
/// unrolled (`Get-Unique -InputObject $list` returns the list unchanged; `ConvertTo-Json
/// -InputObject @(42)` writes `[42]`), and `-InputObject $null` is one `$null`.
pub fn input_objects(call: &Invocation<'_>) -> Vec<Value> {
    if call.piped.is_some_and(|p| p.eq_ignore_ascii_case("InputObject")) {
        return pipeline_input(call);
    }
    call.get("InputObject").cloned().into_iter().collect()
}

/// Default views of types no spec names as its output type (a cmdlet's second output type,
/// the runtime's objects), as PowerShell's format files define them: type, kind, columns,
/// widths. (Files and folders have a view of their own, with computed columns:
/// `render::file_system_table`.)
#[allow(clippy::type_complexity)]
const TYPE_VIEWS: &[(&str, ViewKind, &[&str], &[usize], &[&str])] = &[
    ("Microsoft.PowerShell.Commands.GroupInfoNoElement", ViewKind::Table, &["Count", "Name"], &[], &[]),
    // pwsh's Process table: its cells are computed (`Process::table_row`), numbers right.
    (
        "System.Diagnostics.Process",
        ViewKind::Table,
        crate::shell::runtime::dotnet::PROCESS_COLUMNS,
        crate::shell::runtime::dotnet::PROCESS_WIDTHS,
        crate::shell::runtime::dotnet::PROCESS_RIGHT,
    ),
    // `$PSVersionTable.PSVersion` shows as a table, as PowerShell's own view lays it out.
    (
        "System.Management.Automation.SemanticVersion",
        ViewKind::Table,
        &["Major", "Minor", "Patch", "PreReleaseLabel", "BuildLabel"],
        &[],
        &[],
    ),
];

/// Finds cmdlets and their specs. Specs are parsed on first use, so start-up pays only for
/// the cmdlets a command line names.
pub struct Registry {
    specs: Vec<OnceLock<Result<CmdletSpec, spec::SpecError>>>,
}

/// A cmdlet found in the registry, with its loaded spec.
pub struct Found<'r> {
    pub entry: &'static CmdletEntry,
    pub spec: &'r CmdletSpec,
}

impl Registry {
    /// The registry of every cmdlet in [`CMDLETS`].
    pub fn global() -> &'static Registry {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(|| Registry { specs: CMDLETS.iter().map(|_| OnceLock::new()).collect() })
    }

    /// Every cmdlet name, alphabetically.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        CMDLETS.iter().map(|e| e.name)
    }

    /// The cmdlet called `name` (any case).
    pub fn find(&self, name: &str) -> Option<Result<Found<'_>, &spec::SpecError>> {
        let index = CMDLETS.iter().position(|e| e.name.eq_ignore_ascii_case(name))?;
        Some(self.load(index).map(|spec| Found { entry: &CMDLETS[index], spec }))
    }

    /// Every cmdlet with its spec, alphabetically.
    pub fn all(&self) -> Result<Vec<Found<'_>>, &spec::SpecError> {
        (0..CMDLETS.len()).map(|i| self.load(i).map(|spec| Found { entry: &CMDLETS[i], spec })).collect()
    }

    fn load(&self, index: usize) -> Result<&CmdletSpec, &spec::SpecError> {
        let entry = &CMDLETS[index];
        self.specs[index].get_or_init(|| spec::load(&format!("cmdlets/{}", entry.spec_file), entry.spec_text)).as_ref()
    }

    /// The default view for objects of `type_name`: the first spec whose output type it is.
    pub fn view_for(&self, type_name: &str) -> Option<View> {
        CMDLETS
            .iter()
            .enumerate()
            .find_map(|(i, entry)| {
                // Only specs whose text names the type can declare its view: skip the rest unparsed.
                if !entry.spec_text.contains(type_name) {
                    return None;
                }
                let spec = self.load(i).ok()?;
                (spec.output_type.as_deref() == Some(type_name)).then(|| spec.view.clone()).flatten()
            })
            .or_else(|| {
                TYPE_VIEWS.iter().find(|(t, _, _, _, _)| t.eq_ignore_ascii_case(type_name)).map(
                    |(_, kind, columns, widths, right)| View {
                        kind: *kind,
                        columns: columns.iter().map(|c| c.to_string()).collect(),
                        widths: widths.to_vec(),
                        right: right.iter().map(|c| c.to_string()).collect(),
                    },
                )
            })
    }
}

/// Turns a client failure into the cmdlet's error, keeping the service's message and hint.
pub fn client_error(error: ClientError) -> ErrorRecord {
    match error {
        ClientError::Rejected(body) => {
            // An identity that matches nothing: suggest the closest that exists.
            // Compared in the form typed: `Mailbox Databse` against the last part of each.
            let suggestion = body.target.as_deref().and_then(|typed| {
                let parts = typed.split('\\').count();
                let tails: Vec<&str> = body
                    .candidates
                    .iter()
                    .map(|c| {
                        let cut = c.rmatch_indices('\\').nth(parts.saturating_sub(1)).map_or(0, |(i, _)| i + 1);
                        &c[cut..]
                    })
                    .collect();
                crate::shell::did_you_mean::closest(typed, tails).map(str::to_string)
            });
            let mut record = ErrorRecord::new(body.code.as_str(), body.code.category(), body.message);
            // The identity the request was about is the error's TargetObject, as Exchange sets it.
            record.target = body.target.clone();
            // Exchange's own exception types, so `catch [ManagementObjectNotFoundException]` works.
            record = match body.code {
                ErrorCode::ManagementObjectNotFound => {
                    record.exception("Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException")
                }
                ErrorCode::ManagementObjectAmbiguous => {
                    record.exception("Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException")
                }
                _ => record,
            };
            record.hint = match (suggestion, body.hint) {
                (Some(closest), Some(hint)) => Some(format!("Did you mean '{closest}'? {hint}")),
                (Some(closest), None) => Some(format!("Did you mean '{closest}'?")),
                (None, hint) => hint,
            };
            record
        }
        ClientError::Unreachable { url, detail } => ErrorRecord::new(
            "ServiceUnreachable",
            "ConnectionError",
            format!("The cluster control service at {url} could not be reached: {detail}"),
        )
        .with_hint("Check that ccrd is running and that --server (or CCRSH_SERVER) names its address."),
        ClientError::Tls { url, detail } => ErrorRecord::new(
            "SecureConnectionFailed",
            "SecurityError",
            format!("The secure connection to the cluster control service at {url} failed: {detail}"),
        )
        .with_hint(
            "Trust the CA that signed ccrd's certificate with --ca-cert FILE (or CCRSH_CA_CERT; 'ccrd tls \
             self-signed' wrote ca.pem). If that ccrd serves plain HTTP, use http://.",
        ),
        ClientError::Protocol { url, detail } => ErrorRecord::new(
            "ProtocolError",
            "ProtocolError",
            format!("The answer from {url} was not understood: {detail}"),
        )
        .with_hint("ccrsh and ccrd may be different versions; use the ccrd built with this ccrsh."),
    }
}

/// Where a `Get-` cmdlet reads from: the `-DomainController` it was given.
pub fn read_from<'a>(call: &'a Invocation<'_>) -> exchange_objects::ReadFrom<'a> {
    let domain_controller = match call.common("DomainController").or_else(|| call.get("DomainController")) {
        Some(Value::String(dc)) => Some(dc.as_str()),
        _ => None,
    };
    exchange_objects::ReadFrom { domain_controller }
}

/// An API enum as its serde name (`Healthy`, `BestAvailability`).
fn enum_text<T: Serialize>(value: &T) -> Value {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Value::String(s),
        _ => Value::Null,
    }
}
