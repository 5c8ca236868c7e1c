<#
Runbook 1: enable standby continuous replication (SCR) from every storage group of a
clustered mailbox server to a standby node in the backup datacenter (seed article, part 1).
#>
param(
    [string]$Server = 'CCREX01',
    [string]$StandbyMachine = 'NH-W2K3-SRV01',
    [string]$ReplayLagTime = '0.0:0:0'
)
$ErrorActionPreference = 'Stop'

# Preconditions: the server runs and its CCR copies are healthy.
$status = Get-ClusteredMailboxServerStatus $Server
if ($status.State -ne 'Online') { throw "$Server is $($status.State): start it before enabling SCR." }
foreach ($copy in Get-StorageGroupCopyStatus -Server $Server) {
    if ($copy.SummaryCopyStatus -ne 'Healthy') {
        throw "The CCR copy of $($copy.Identity) is $($copy.SummaryCopyStatus): fix it before enabling SCR."
    }
}

foreach ($sg in Get-StorageGroup -Server $Server) {
    Enable-StorageGroupCopy $sg.Identity -StandbyMachine $StandbyMachine -ReplayLagTime $ReplayLagTime
    "SCR enabled: $($sg.Identity) -> $StandbyMachine"
}
