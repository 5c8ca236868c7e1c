<#
Runbook 6: a storage group's logs are damaged on the active node, so its passive copy fails
and a checked move refuses. Dismount the damaged group's database, move the server with
-IgnoreDismounted (the healthy groups move and stay mounted), then reseed the damaged group's
copy from the new active node and mount it again.
#>
param(
    [string]$Server = 'CCREX01',
    [string]$StorageGroup = 'CCREX01\First Storage Group',
    [string]$Database = 'CCREX01\First Storage Group\Mailbox Database',
    [string]$TargetMachine = 'NH-W2K3-SRV04'
)
$ErrorActionPreference = 'Stop'

# Preconditions: the copy of the group is the one that failed.
$copy = Get-StorageGroupCopyStatus $StorageGroup
if ($copy.SummaryCopyStatus -ne 'Failed') { throw "$StorageGroup is $($copy.SummaryCopyStatus), not Failed: nothing to recover." }
"$StorageGroup failed: $($copy.FailedMessage)"

Dismount-Database $Database -Confirm:$false
Move-ClusteredMailboxServer $Server -TargetMachine $TargetMachine -MoveComment "Moving past damaged logs of $StorageGroup" -IgnoreDismounted -Confirm:$false

# The moved group lacks the damaged logs: accept that loss, mount, and reseed its new copy.
Restore-StorageGroupCopy $StorageGroup -Force
Mount-Database $Database
Suspend-StorageGroupCopy $StorageGroup -SuspendComment 'Reseeding after damaged logs'
Update-StorageGroupCopy $StorageGroup -DeleteExistingFiles
"$StorageGroup runs on $TargetMachine; its copy is $((Get-StorageGroupCopyStatus $StorageGroup).SummaryCopyStatus)"
