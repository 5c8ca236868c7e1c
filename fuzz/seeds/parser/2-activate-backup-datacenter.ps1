<#
Runbook 2: the production datacenter is lost. Activate the SCR copies on the standby node,
recover the clustered mailbox server there with an address of the backup site, mount its
databases, seed the second backup node to form CCR again, and prove a move between the two
backup nodes (seed article, part 2).
#>
param(
    [string]$Server = 'CCREX01',
    [string]$StandbyMachine = 'NH-W2K3-SRV01',
    [string]$SecondNode = 'NH-W2K3-SRV05',
    [string]$IPAddress = '198.51.100.50'
)
$ErrorActionPreference = 'Stop'

# Preconditions: the server is down (with both production nodes lost its cluster cannot even be
# reached, and Get-ClusteredMailboxServerStatus says so) and every storage group has an SCR
# copy on the standby.
try { $state = (Get-ClusteredMailboxServerStatus $Server).State } catch { $state = 'Unreachable' }
if ($state -like '*Online*') { throw "$Server is still $($state): this runbook is for a lost datacenter." }
$groups = Get-StorageGroup -Server $Server
foreach ($sg in $groups) {
    $copy = Get-StorageGroupCopyStatus $sg.Identity -StandbyMachine $StandbyMachine
    if ($copy.SummaryCopyStatus -eq 'Failed') { throw "The SCR copy of $($sg.Identity) failed: $($copy.FailedMessage)" }
}

foreach ($sg in $groups) {
    Restore-StorageGroupCopy $sg.Identity -StandbyMachine $StandbyMachine -Force
}
Invoke-Command -ComputerName $StandbyMachine -ArgumentList $Server, $IPAddress -ScriptBlock {
    param($name, $address)
    setup.com /RecoverCMS /CMSName:$name /CMSIPAddress:$address
}
foreach ($db in Get-MailboxDatabase -Server $Server) { Mount-Database $db.Identity }
foreach ($db in Get-PublicFolderDatabase -Server $Server) { Mount-Database $db.Identity }

# CCR in the backup site: seed the second node, then prove a move there and back.
foreach ($sg in $groups) {
    Update-StorageGroupCopy $sg.Identity -DeleteExistingFiles
}
Move-ClusteredMailboxServer $Server -TargetMachine $SecondNode -MoveComment 'Proving CCR in the backup site' -Confirm:$false
Move-ClusteredMailboxServer $Server -TargetMachine $StandbyMachine -MoveComment 'Back to the first backup node' -Confirm:$false
"$Server runs on $StandbyMachine at $IPAddress"
