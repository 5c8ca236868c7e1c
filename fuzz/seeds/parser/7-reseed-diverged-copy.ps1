<#
Runbook 7: after a lossy failover the old active node returned with logs the new active copy
never had, and its copy is Failed (diverged). Reseed it from the active copy.
#>
param(
    [string]$Server = 'CCREX01'
)
$ErrorActionPreference = 'Stop'

$failed = @(Get-StorageGroupCopyStatus -Server $Server | Where-Object { $_.SummaryCopyStatus -eq 'Failed' })
if ($failed.Count -eq 0) { throw "No copy of $Server has failed: nothing to reseed." }
foreach ($copy in $failed) {
    "$($copy.Identity) on $($copy.CCRTargetNode): $($copy.FailedMessage)"
    Suspend-StorageGroupCopy $copy.Identity -SuspendComment 'Reseeding a diverged copy'
    Update-StorageGroupCopy $copy.Identity -DeleteExistingFiles
    "$($copy.Identity) is $((Get-StorageGroupCopyStatus $copy.Identity).SummaryCopyStatus) again"
}
