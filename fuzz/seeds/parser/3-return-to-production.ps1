<#
Runbook 3: move back to the production datacenter, in the order of the seed article (part 3).
The production nodes must be back up first (Start-LabNode in the lab).
#>
param(
    [string]$Server = 'CCREX01',
    [string]$ProductionNode = 'NH-W2K3-SRV03',
    [string]$ProductionPassive = 'NH-W2K3-SRV04',
    [string]$BackupNode = 'NH-W2K3-SRV01',
    [string]$IPAddress = '192.0.2.50',
    [string]$StopReason = 'Moving back to production data center'
)
$ErrorActionPreference = 'Stop'

# Preconditions: the server runs in the backup site and the production nodes are up.
$group = Get-ClusterGroup $Server
if ($group.OwnerNode -eq $ProductionNode -or $group.OwnerNode -eq $ProductionPassive) { throw "$Server already runs in production." }
foreach ($node in $ProductionNode, $ProductionPassive) {
    if ((Get-ClusterNode $node).State -ne 'Up') { throw "$node is down: start it first." }
}
$groups = Get-StorageGroup -Server $Server

# A cluster forgets the server (setup.com runs on one of its nodes), then that node gets SCR
# copies with no replay lag, seeded afresh: it still holds the files it ran with.
function Set-FreshStandby {
    param($node, $comment)
    Invoke-Command -ComputerName $node -ArgumentList $Server -ScriptBlock {
        param($name) setup.com /ClearLocalCMS /CMSName:$name
    }
    foreach ($sg in $groups) {
        Enable-StorageGroupCopy $sg.Identity -StandbyMachine $node -ReplayLagTime 0.0:0:0 -WarningAction SilentlyContinue
        Suspend-StorageGroupCopy $sg.Identity -StandbyMachine $node -SuspendComment $comment
        Update-StorageGroupCopy $sg.Identity -StandbyMachine $node -DeleteExistingFiles
    }
}

# 1. The production cluster forgets the server, and receives SCR copies of it.
Set-FreshStandby $ProductionNode 'Reseeding for the return'


# 2. A scheduled switch: dismount, copy the last logs, stop with a reason.
foreach ($db in Get-MailboxDatabase -Server $Server) { Dismount-Database $db.Identity -Confirm:$false }
foreach ($db in Get-PublicFolderDatabase -Server $Server) { Dismount-Database $db.Identity -Confirm:$false }
foreach ($sg in $groups) { Restore-StorageGroupCopy $sg.Identity -StandbyMachine $ProductionNode }
Stop-ClusteredMailboxServer $Server -StopReason $StopReason -Confirm:$false

# 3. Recover the server in production with its original address; mount; reseed the passive.
Invoke-Command -ComputerName $ProductionNode -ArgumentList $Server, $IPAddress -ScriptBlock {
    param($name, $address) setup.com /RecoverCMS /CMSName:$name /CMSIPAddress:$address
}
foreach ($db in Get-MailboxDatabase -Server $Server) { Mount-Database $db.Identity }
foreach ($db in Get-PublicFolderDatabase -Server $Server) { Mount-Database $db.Identity }
foreach ($sg in $groups) { Update-StorageGroupCopy $sg.Identity -DeleteExistingFiles }

# 4. The backup cluster forgets the server, and protects production with SCR again.
Set-FreshStandby $BackupNode 'Reseeding after the return'

"$Server runs on $ProductionNode at $IPAddress"
