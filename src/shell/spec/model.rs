//! The shape of a cmdlet spec. Every enum here is closed: an unknown type, impact or view kind
//! in a spec file is a load error, not a runtime surprise.

use serde::Deserialize;

/// One cmdlet, as written in `cmdlets/<Verb-Noun>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CmdletSpec {
    /// `Verb-Noun`, spelled as users see it.
    pub name: String,
    /// One sentence.
    pub synopsis: String,
    pub description: String,
    /// Where the cmdlet comes from in `Get-Command`'s Source column.
    #[serde(default = "default_module")]
    pub module: String,
    /// Present when the cmdlet changes something: it then takes `-WhatIf` and `-Confirm`.
    #[serde(default)]
    pub confirm_impact: Option<ConfirmImpact>,
    /// What the confirmation prompt and `What if:` say, as Exchange's tasks word it
    /// (`Dismounting database "{Identity}".`): `{Name}` is the bound parameter's value.
    #[serde(default)]
    pub confirmation: Option<String>,
    /// The parameter set used when the bound parameters fit several.
    #[serde(default = "default_set")]
    pub default_parameter_set: String,
    /// The type name of the objects it returns; views are looked up by it.
    #[serde(default)]
    pub output_type: Option<String>,
    #[serde(default)]
    pub view: Option<View>,
    #[serde(default)]
    pub parameters: Vec<ParameterSpec>,
    #[serde(default)]
    pub examples: Vec<Example>,
}

fn default_module() -> String {
    "ccrsh".into()
}

fn default_set() -> String {
    "Default".into()
}

/// PowerShell's ConfirmImpact: with the default `$ConfirmPreference` of High, only High
/// prompts.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConfirmImpact {
    None,
    Low,
    Medium,
    High,
}

/// How the cmdlet's objects are shown when nothing else is asked for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    pub kind: ViewKind,
    /// The properties shown, in order. For a list view, empty means all.
    #[serde(default)]
    pub columns: Vec<String>,
    /// A table view's column widths, one per column (0: none). Without them, or when the first
    /// is 0, columns are as wide as their content, as PowerShell sizes a view without widths.
    #[serde(default)]
    pub widths: Vec<usize>,
    /// Table columns aligned right whatever their values (a view's numbers written as text).
    #[serde(default)]
    pub right: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ViewKind {
    Table,
    List,
}

/// One parameter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ParamType,
    #[serde(default)]
    pub description: String,
    /// Mandatory in every set it belongs to.
    #[serde(default)]
    pub mandatory: bool,
    /// Zero-based position for positional binding.
    #[serde(default)]
    pub position: Option<u32>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The parameter sets it belongs to; empty means all of them.
    #[serde(default)]
    pub sets: Vec<String>,
    /// ValidateSet: the only values accepted (case-insensitive); for `Enum` the enumerator
    /// names.
    #[serde(default)]
    pub values: Vec<String>,
    /// Values Tab offers without restricting what binds (the cmdlet converts and checks them
    /// itself, as Write-Host does a ConsoleColor name or number).
    #[serde(default)]
    pub suggestions: Vec<String>,
    /// ValidateRange: inclusive bounds for numbers.
    #[serde(default)]
    pub range: Option<[i64; 2]>,
    /// Whether and how it takes pipeline input.
    #[serde(default)]
    pub pipeline: Option<PipelineInput>,
    /// The object types that bind to it when piped in, by type (the last part of the type
    /// name: `MailboxDatabase`, `MailboxServer`), as an Exchange task's parameter takes the
    /// objects its identity type can be made from (`Get-MailboxDatabase | Get-Mailbox` binds
    /// each database to -Database). Objects of other types go on to the parameter that takes
    /// input by value or by property name. Requires `pipeline`.
    #[serde(default)]
    pub pipeline_types: Vec<String>,
    /// Shown in help as "Default value".
    #[serde(default)]
    pub default: Option<String>,
    /// Whether `*` and `?` are wildcards in its value.
    #[serde(default)]
    pub wildcards: bool,
    /// ValueFromRemainingArguments: positional values no other parameter takes join it.
    #[serde(default)]
    pub remaining: bool,
}

impl ParameterSpec {
    /// Whether it belongs to the parameter set `set`.
    pub fn in_set(&self, set: &str) -> bool {
        self.sets.is_empty() || self.sets.iter().any(|s| s.eq_ignore_ascii_case(set))
    }

    /// Whether it takes a piped object of type `type_name` (a full type name) by its type.
    pub fn takes_piped_type(&self, type_name: &str) -> bool {
        let last = type_name.rsplit('.').next().unwrap_or(type_name);
        self.pipeline_types.iter().any(|t| t.eq_ignore_ascii_case(last))
    }

    /// Whether it takes whatever is piped in by value (not only objects of some types).
    pub fn takes_any_by_value(&self) -> bool {
        self.pipeline_types.is_empty()
            && matches!(self.pipeline, Some(PipelineInput::ByValue | PipelineInput::ByValueAndPropertyName))
    }

    pub fn is_switch(&self) -> bool {
        self.kind == ParamType::SwitchParameter
    }
}

/// The parameter types cmdlets use. Names are the .NET/Exchange type names shown in help.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub enum ParamType {
    String,
    #[serde(rename = "String[]")]
    StringArray,
    Int32,
    UInt32,
    Int64,
    /// A size (`30MB`, `'30 MB'`, a number of bytes, or a size read from an object); bound
    /// as its bytes.
    ByteQuantifiedSize,
    Double,
    Boolean,
    SwitchParameter,
    /// One of the spec's `values`.
    Enum,
    TimeSpan,
    DateTime,
    ScriptBlock,
    /// Any object (pipeline input of the formatting cmdlets).
    PSObject,
    Fqdn,
    ServerIdParameter,
    MailboxServerIdParameter,
    StorageGroupIdParameter,
    DatabaseIdParameter,
    MailboxIdParameter,
    RecipientIdParameter,
    GeneralMailboxIdParameter,
    QueueIdentity,
}

impl ParamType {
    /// The name shown in help and error messages.
    pub fn display_name(self) -> &'static str {
        match self {
            ParamType::String => "String",
            ParamType::StringArray => "String[]",
            ParamType::Int32 => "Int32",
            ParamType::UInt32 => "UInt32",
            ParamType::Int64 => "Int64",
            ParamType::ByteQuantifiedSize => "ByteQuantifiedSize",
            ParamType::Double => "Double",
            ParamType::TimeSpan => "TimeSpan",
            ParamType::DateTime => "DateTime",
            ParamType::ScriptBlock => "ScriptBlock",
            ParamType::Boolean => "Boolean",
            ParamType::SwitchParameter => "SwitchParameter",
            ParamType::Enum => "String",
            ParamType::PSObject => "PSObject",
            ParamType::Fqdn => "Fqdn",
            ParamType::ServerIdParameter => "ServerIdParameter",
            ParamType::MailboxServerIdParameter => "MailboxServerIdParameter",
            ParamType::StorageGroupIdParameter => "StorageGroupIdParameter",
            ParamType::DatabaseIdParameter => "DatabaseIdParameter",
            ParamType::MailboxIdParameter => "MailboxIdParameter",
            ParamType::RecipientIdParameter => "RecipientIdParameter",
            ParamType::GeneralMailboxIdParameter => "GeneralMailboxIdParameter",
            ParamType::QueueIdentity => "QueueIdentity",
        }
    }

    /// The full type name PowerShell prints in conversion errors.
    pub fn full_name(self) -> &'static str {
        match self {
            ParamType::String | ParamType::Enum => "System.String",
            ParamType::StringArray => "System.String[]",
            ParamType::Int32 => "System.Int32",
            ParamType::UInt32 => "System.UInt32",
            ParamType::Int64 => "System.Int64",
            ParamType::ByteQuantifiedSize => "Microsoft.Exchange.Data.ByteQuantifiedSize",
            ParamType::Double => "System.Double",
            ParamType::TimeSpan => "System.TimeSpan",
            ParamType::DateTime => "System.DateTime",
            ParamType::ScriptBlock => "System.Management.Automation.ScriptBlock",
            ParamType::Boolean => "System.Boolean",
            ParamType::SwitchParameter => "System.Management.Automation.SwitchParameter",
            ParamType::PSObject => "System.Management.Automation.PSObject",
            ParamType::Fqdn => "Microsoft.Exchange.Data.Fqdn",
            ParamType::ServerIdParameter => "Microsoft.Exchange.Configuration.Tasks.ServerIdParameter",
            ParamType::MailboxServerIdParameter => "Microsoft.Exchange.Configuration.Tasks.MailboxServerIdParameter",
            ParamType::StorageGroupIdParameter => "Microsoft.Exchange.Configuration.Tasks.StorageGroupIdParameter",
            ParamType::DatabaseIdParameter => "Microsoft.Exchange.Configuration.Tasks.DatabaseIdParameter",
            ParamType::MailboxIdParameter => "Microsoft.Exchange.Configuration.Tasks.MailboxIdParameter",
            ParamType::RecipientIdParameter => "Microsoft.Exchange.Configuration.Tasks.RecipientIdParameter",
            ParamType::GeneralMailboxIdParameter => "Microsoft.Exchange.Configuration.Tasks.GeneralMailboxIdParameter",
            ParamType::QueueIdentity => "Microsoft.Exchange.Data.QueueViewer.QueueIdentity",
        }
    }
}

/// Pipeline binding of a parameter.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub enum PipelineInput {
    ByValue,
    ByPropertyName,
    ByValueAndPropertyName,
}

/// An example: shown by `Get-Help -Examples`, written into `docs/cmdlets/`, and run by a test
/// against a fresh seed lab.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub title: String,
    pub command: String,
    pub description: String,
    /// Text the output must contain, checked by the examples test.
    #[serde(default)]
    pub output_contains: Vec<String>,
}

impl CmdletSpec {
    /// The parameter sets, in first-mention order, with the default first.
    pub fn parameter_sets(&self) -> Vec<&str> {
        let mut sets: Vec<&str> = vec![self.default_parameter_set.as_str()];
        for p in &self.parameters {
            for s in &p.sets {
                if !sets.iter().any(|known| known.eq_ignore_ascii_case(s)) {
                    sets.push(s);
                }
            }
        }
        sets
    }

    pub fn parameter(&self, name: &str) -> Option<&ParameterSpec> {
        self.parameters.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    pub fn supports_should_process(&self) -> bool {
        self.confirm_impact.is_some()
    }
}
