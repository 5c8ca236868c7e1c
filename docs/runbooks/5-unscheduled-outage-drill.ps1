<#
Runbook 5: an unscheduled outage drill (game day). With the server's AutoDatabaseMountDial set
to -Dial, cut replication, deliver mail, crash the active node, and see what the dial does:
the database mounts by itself when the logs lost are within the dial (Lossless 0,
GoodAvailability 3, BestAvailability 6); otherwise the two-command override — restore, then
mount — accepts the loss. The loss ledger shows what was lost and what the transport dumpster
resent. The old node comes back at the end and its copy resynchronises (or needs a reseed).
#>
param(
    [string]$Server = 'CCREX01',
    [ValidateSet('Lossless', 'GoodAvailability', 'BestAvailability')]
    [string]$Dial = 'Lossless',
    [string]$ActiveNode = 'NH-W2K3-SRV03',
    [string]$PassiveNode = 'NH-W2K3-SRV04',
    [string]$Database = 'Mailbox Database',
    [int]$UnshippedMessages = 40
)
$ErrorActionPreference = 'Stop'

# Preconditions: the server runs on the active node with healthy copies.
if ((Get-ClusterGroup $Server).OwnerNode -ne $ActiveNode) { throw "$Server does not run on $ActiveNode." }
foreach ($copy in Get-StorageGroupCopyStatus -Server $Server) {
    if ($copy.SummaryCopyStatus -ne 'Healthy') { throw "$($copy.Identity) is $($copy.SummaryCopyStatus)." }
}
Set-MailboxServer $Server -AutoDatabaseMountDial $Dial

# The outage: replication cut, mail still arriving, then the active node crashes.
Set-LabNetwork -Between $ActiveNode, $PassiveNode -State Down
Send-LabMail -Database $Database -Count $UnshippedMessages -SizeKB 64 | Out-Null
# The server works on for a while before the crash: its database takes in what it may of the
# new logs (all but the newest few that Lost Log Resilience holds back), as a real one would.
Wait-LabReplication
Stop-LabNode $ActiveNode -Crash
$mounted = (Get-MailboxDatabase $Database -Status).Mounted
"Dial $Dial`: after the failover the database is $(if ($mounted) { 'mounted' } else { 'dismounted' })"

if (-not $mounted) {
    # The two-command override: accept the loss, then mount.
    $sg = (Get-MailboxDatabase $Database).StorageGroup
    Restore-StorageGroupCopy $sg -Force
    Mount-Database $Database
    'Override: restored and mounted'
}
$ledger = Get-LabMailStatistics -Database $Database
"Ledger: $($ledger.Accepted) accepted, $($ledger.Present) present, $($ledger.Lost) lost, $($ledger.Resent) resent by the dumpster"

# The old node returns: its copy resynchronises, or is Failed and says to reseed.
Set-LabNetwork -Between $ActiveNode, $PassiveNode -State Up
Start-LabNode $ActiveNode
$copy = Get-StorageGroupCopyStatus -Server $Server | Where-Object { $_.Identity -like "*$((Get-MailboxDatabase $Database).StorageGroupName)" }
"The copy on $ActiveNode is $($copy.SummaryCopyStatus)"
