<#
Runbook 4: scheduled CCR maintenance. Move the clustered mailbox server to its passive node,
service the old active node (here: a clean power cycle), and move back. Lossless: every move
flushes every log first.
#>
param(
    [string]$Server = 'CCREX01',
    [string]$ActiveNode = 'NH-W2K3-SRV03',
    [string]$PassiveNode = 'NH-W2K3-SRV04'
)
$ErrorActionPreference = 'Stop'

# Preconditions: the server runs on the active node and its copies are healthy and current.
if ((Get-ClusterGroup $Server).OwnerNode -ne $ActiveNode) { throw "$Server does not run on $ActiveNode." }
foreach ($copy in Get-StorageGroupCopyStatus -Server $Server) {
    if ($copy.SummaryCopyStatus -ne 'Healthy') { throw "$($copy.Identity) is $($copy.SummaryCopyStatus)." }
}
Move-ClusteredMailboxServer $Server -TargetMachine $PassiveNode -MoveComment "Maintenance of $ActiveNode" -Confirm:$false

# The maintenance itself.
Stop-LabNode $ActiveNode
Start-LabNode $ActiveNode

Move-ClusteredMailboxServer $Server -TargetMachine $ActiveNode -MoveComment "Maintenance of $ActiveNode done" -Confirm:$false
"$Server is back on $ActiveNode"
