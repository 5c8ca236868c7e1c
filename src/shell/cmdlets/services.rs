//! Windows services of the lab's computers: PowerShell's `Get-Service` (with `-ComputerName`,
//! as in PowerShell 2.0), Exchange 2007's `Test-ServiceHealth`, and `Start-Service`,
//! `Stop-Service` and `Restart-Service`, from ccrd's `/v1/lab/services` (engine::services:
//! what each computer runs follows from the estate — a node's power and quorum, a clustered
//! mailbox server's state).
//!
//! A service that already is as asked (starting a running service, stopping a stopped one)
//! is left alone, as Windows leaves it. Any other start or stop is refused after ShouldProcess
//! (`-WhatIf` prints its line and does nothing): the estate keeps no service stopped by hand,
//! and stopping Exchange's services under a running clustered mailbox server is not how an
//! Exchange 2007 cluster is managed. The refusal names the operation that does it.
//!
//! Must not: change the estate, or answer for a computer ccrd does not know.

use super::change::should_process_here;
use super::{Context, client_error};
use crate::api::{self, IdentityQuery, routes};
use crate::shell::bind::Invocation;
use crate::shell::client::ClientError;
use crate::shell::error_record::ErrorRecord;
use crate::shell::runtime::exchange::ExchangeEnum;
use crate::shell::value::{Record, Value};
use crate::shell::wildcard::Wildcard;

const CONTROLLER: &str = "System.ServiceProcess.ServiceController";
const STATUS: &str = "System.ServiceProcess.ServiceControllerStatus";
const HEALTH: &str = "Microsoft.Exchange.Monitoring.ServiceHealthResult";

/// The services of `computer` (`.` is the session's own) as the session sees them: `Err` with
/// PowerShell's "Cannot open Service Control Manager" error when it cannot be reached.
fn services_of(computer: &str, cx: &mut Context<'_>) -> Result<api::LabServices, ErrorRecord> {
    let query = api::ServicesQuery { computer: computer.to_string(), from: cx.engine.computer() };
    let scm_error = |hint: String| {
        ErrorRecord::new(
            "System.InvalidOperationException",
            "NotSpecified",
            format!("Cannot open Service Control Manager on computer '{computer}'. This operation might require other privileges."),
        )
        .exception("System.InvalidOperationException")
        .with_hint(hint)
    };
    match cx.client.get::<api::LabServices>(routes::LAB_SERVICES, &query) {
        Ok(found) => match found.unreachable {
            Some(why) => Err(scm_error(why)),
            None => Ok(found),
        },
        Err(ClientError::Rejected(body)) if body.code == api::ErrorCode::ManagementObjectNotFound => {
            Err(scm_error(format!("'{computer}' is not a computer of the lab. {}", body.hint.unwrap_or_default())))
        }
        Err(other) => Err(client_error(other)),
    }
}

/// A ServiceController as Get-Service writes it; `machine` is the name it was asked by.
fn controller(service: &api::LabService, machine: &str) -> Value {
    Record::new(CONTROLLER)
        .with("Name", service.name.clone())
        .with("RequiredServices", Value::array(Vec::new()))
        .with("CanPauseAndContinue", false)
        .with("CanShutdown", service.running)
        .with("CanStop", service.running)
        .with("DisplayName", service.display_name.clone())
        .with("DependentServices", Value::array(Vec::new()))
        .with("MachineName", machine.to_string())
        .with("ServiceName", service.name.clone())
        .with("ServicesDependedOn", Value::array(Vec::new()))
        .with("ServiceHandle", Value::Null)
        .with("Status", ExchangeEnum::value(STATUS, if service.running { "Running" } else { "Stopped" }))
        .with("ServiceType", ExchangeEnum::value("System.ServiceProcess.ServiceType", "Win32OwnProcess"))
        .with("StartType", ExchangeEnum::value("System.ServiceProcess.ServiceStartMode", service.start_type.clone()))
        .with("Site", Value::Null)
        .with("Container", Value::Null)
        .into()
}

/// The services of one computer that the name, display-name, include and exclude filters
/// select; a name without wildcards that selects nothing is an error.
fn select<'s>(
    call: &Invocation<'_>,
    found: &'s api::LabServices,
    names: Option<&[String]>,
    cx: &mut Context<'_>,
) -> Vec<&'s api::LabService> {
    let include: Vec<Wildcard> = call.strings("Include").unwrap_or_default().iter().map(|p| Wildcard::new(p)).collect();
    let exclude: Vec<Wildcard> = call.strings("Exclude").unwrap_or_default().iter().map(|p| Wildcard::new(p)).collect();
    let display = call.strings("DisplayName");
    let mut picked: Vec<&api::LabService> = Vec::new();
    let mut pick = |patterns: &[String], field: fn(&api::LabService) -> &str, what: &str, id: &str| {
        for pattern in patterns {
            let wildcard = Wildcard::new(pattern);
            let matched: Vec<&api::LabService> =
                found.services.iter().filter(|s| wildcard.is_match(field(s))).collect();
            if matched.is_empty() && !Wildcard::has_wildcards(pattern) {
                cx.errors.push(
                    ErrorRecord::new(id, "ObjectNotFound", format!("Cannot find any service with {what} '{pattern}'."))
                        .exception("Microsoft.PowerShell.Commands.ServiceCommandException")
                        .with_hint(format!("Get-Service -ComputerName {} lists the services it has.", found.computer)),
                );
            }
            for service in matched {
                if !picked.iter().any(|p| p.name == service.name) {
                    picked.push(service);
                }
            }
        }
    };
    match (names, display.as_deref()) {
        (Some(names), _) => pick(names, |s| s.name.as_str(), "service name", "NoServiceFoundForGivenName"),
        (None, Some(display)) => {
            pick(display, |s| s.display_name.as_str(), "display name", "NoServiceFoundForGivenDisplayName")
        }
        (None, None) => picked.extend(found.services.iter()),
    }
    picked.retain(|s| {
        (include.is_empty() || include.iter().any(|w| w.is_match(&s.name)))
            && !exclude.iter().any(|w| w.is_match(&s.name))
    });
    picked.sort_by_key(|s| s.name.to_ascii_lowercase());
    picked
}

/// `Get-Service [[-Name] <String[]>] [-DisplayName <String[]>] [-ComputerName <String[]>]
/// [-Include] [-Exclude]`.
pub fn get_service(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let computers = call.strings("ComputerName").unwrap_or_else(|| vec![".".into()]);
    let names = call.strings("Name");
    let mut out = Vec::new();
    for computer in computers {
        let found = match services_of(&computer, cx) {
            Ok(found) => found,
            Err(error) => {
                cx.errors.push(error);
                continue;
            }
        };
        out.extend(select(call, &found, names.as_deref(), cx).into_iter().map(|s| controller(s, &computer)));
    }
    Ok(out)
}

/// `Test-ServiceHealth [[-Server] <ServerIdParameter>] [-MonitoringContext <Boolean>]`: for
/// each Exchange role of the server, whether the services it requires run.
pub fn test_service_health(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    let servers: Vec<String> = match call.get("Server") {
        Some(Value::Array(items)) => items.borrow().iter().map(Value::to_display_string).collect(),
        Some(Value::Null) | None => {
            vec![cx.engine.computer().unwrap_or_else(crate::shell::runtime::dotnet::machine_name)]
        }
        Some(one) => vec![one.to_display_string()],
    };
    let monitoring = call.get("MonitoringContext").is_some_and(Value::is_truthy);
    let mut out = Vec::new();
    let mut events = Vec::new();
    for server in servers.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let found = match services_of(server, cx) {
            Ok(found) => found,
            Err(error) => {
                cx.errors.push(error.in_command("Test-ServiceHealth"));
                continue;
            }
        };
        if found.roles.is_empty() {
            // Not an Exchange server: Exchange fails to find it in Active Directory.
            let query = IdentityQuery { identity: Some(server.to_string()) };
            let error = match cx.client.get::<Vec<api::ExchangeServer>>(routes::EXCHANGE_SERVERS, &query) {
                Err(e) => client_error(e),
                Ok(_) => ErrorRecord::new(
                    "ManagementObjectNotFound",
                    "ObjectNotFound",
                    format!("'{server}' runs no Exchange server role."),
                ),
            };
            cx.errors.push(error.with_hint(
                "Name an Exchange server with -Server (Get-ExchangeServer lists them), or run it on a node (Enter-PSSession NODE).",
            ));
            continue;
        }
        for role in &found.roles {
            if monitoring {
                events.push(monitoring_event(&found.computer, role));
            }
            out.push(
                Record::new(HEALTH)
                    .with("Role", role.role.clone())
                    .with("RequiredServicesRunning", role.required_services_running)
                    .with("ServicesRunning", strings(&role.services_running))
                    .with("ServicesNotRunning", strings(&role.services_not_running))
                    .into(),
            );
        }
    }
    if monitoring {
        out.push(
            Record::new("Microsoft.Exchange.Monitoring.MonitoringData")
                .with("Events", Value::array(events))
                .with("PerformanceCounters", Value::array(Vec::new()))
                .into(),
        );
    }
    Ok(out)
}

fn strings(items: &[String]) -> Value {
    Value::array(items.iter().map(|s| Value::String(s.clone())).collect())
}

/// The monitoring event of one role's check: information when its services run, an error when not.
fn monitoring_event(computer: &str, role: &api::RoleServiceHealth) -> Value {
    let (id, kind, message) = if role.required_services_running {
        (1000_i64, "Information", format!("All the services required by the {} are running on {computer}.", role.role))
    } else {
        (
            1001_i64,
            "Error",
            format!(
                "These services required by the {} are not running on {computer}: {}.",
                role.role,
                role.services_not_running.join(", ")
            ),
        )
    };
    Record::new("Microsoft.Exchange.Monitoring.MonitoringEvent")
        .with("EventSource", "MSExchange Monitoring ServiceHealth")
        .with("EventIdentifier", id)
        .with("EventType", kind)
        .with("EventMessage", message)
        .into()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Control {
    Start,
    Stop,
    Restart,
}

pub fn start_service(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    control(call, cx, Control::Start)
}

pub fn stop_service(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    control(call, cx, Control::Stop)
}

pub fn restart_service(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<Value>, ErrorRecord> {
    control(call, cx, Control::Restart)
}

/// The services a control cmdlet names: ServiceControllers piped in (each on its own
/// computer), and names on the session's computer.
fn targets(call: &Invocation<'_>, cx: &mut Context<'_>) -> Result<Vec<(String, api::LabService)>, ErrorRecord> {
    let mut by_computer: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |computer: String, name: String| match by_computer.iter_mut().find(|(c, _)| *c == computer) {
        Some((_, names)) => names.push(name),
        None => by_computer.push((computer, vec![name])),
    };
    for item in super::pipeline_input(call) {
        match &item {
            Value::Record(r) if r.borrow().type_name == CONTROLLER => {
                let r = r.borrow();
                let text = |n: &str| r.get(n).map(Value::to_display_string).unwrap_or_default();
                add(text("MachineName"), text("Name"));
            }
            other => add(".".into(), other.to_display_string()),
        }
    }
    for name in call.strings("Name").unwrap_or_default() {
        add(".".into(), name);
    }
    let wanted_by_display = call.strings("DisplayName").is_some();
    if by_computer.is_empty() && wanted_by_display {
        by_computer.push((".".into(), Vec::new()));
    }
    let mut out = Vec::new();
    for (computer, names) in by_computer {
        let found = match services_of(&computer, cx) {
            Ok(found) => found,
            Err(error) => {
                cx.errors.push(error);
                continue;
            }
        };
        let names = (!names.is_empty()).then_some(names);
        for service in select(call, &found, names.as_deref(), cx) {
            out.push((computer.clone(), service.clone()));
        }
    }
    Ok(out)
}

fn control(call: &Invocation<'_>, cx: &mut Context<'_>, action: Control) -> Result<Vec<Value>, ErrorRecord> {
    let mut out = Vec::new();
    for (computer, service) in targets(call, cx)? {
        let already = match action {
            Control::Start => service.running,
            Control::Stop => !service.running,
            Control::Restart => false,
        };
        if !already {
            let target = format!("{} ({})", service.display_name, service.name);
            if !should_process_here(call, cx, &target, false)? {
                continue;
            }
            cx.errors.push(refusal(action, &service, &computer));
            continue;
        }
        if call.switch("PassThru") {
            out.push(controller(&service, &computer));
        }
    }
    Ok(out)
}

/// PowerShell's error for a service that could not be started or stopped, with what to run.
fn refusal(action: Control, service: &api::LabService, computer: &str) -> ErrorRecord {
    let (verb, id, category, inner) = match action {
        Control::Start => {
            ("started", "CouldNotStartService", "OpenError", format!("Cannot start service {}", service.name))
        }
        Control::Stop | Control::Restart => {
            ("stopped", "CouldNotStopService", "CloseError", format!("Cannot stop {} service", service.name))
        }
    };
    let instead = match service.name.as_str() {
        "MSExchangeIS" | "MSExchangeSA" => {
            "To take a clustered mailbox server's databases offline run Stop-ClusteredMailboxServer NAME -StopReason '…' \
             (or Dismount-Database); to move it to its other node, Move-ClusteredMailboxServer."
        }
        "MSExchangeRepl" => {
            "To stop a copy's log copying and replay run Suspend-StorageGroupCopy (Resume-StorageGroupCopy starts it again)."
        }
        "ClusSvc" => {
            "The Cluster service follows the node and its quorum: Stop-LabNode fails the node, Set-LabNetwork cuts its \
             links, Start-LabNode brings it back."
        }
        _ => {
            "Run the Exchange operation instead: Stop-/Start-ClusteredMailboxServer, Move-ClusteredMailboxServer, \
             Dismount-/Mount-Database, Suspend-/Resume-StorageGroupCopy, or Stop-/Start-LabNode for a whole node."
        }
    };
    ErrorRecord::new(
        id,
        category,
        format!(
            "Service '{} ({})' cannot be {verb} due to the following error: {inner} on computer '{computer}'.",
            service.display_name, service.name
        ),
    )
    .exception("Microsoft.PowerShell.Commands.ServiceCommandException")
    .with_hint(format!("The lab does not stop or start single Windows services; nothing was changed. {instead}"))
}
