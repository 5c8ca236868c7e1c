param([int]$Count = 3, [string[]]$Names = @('a', 'b'))
function Get-Thing { [CmdletBinding()] param([Parameter(Mandatory)][string]$Name) process { "$Name $($Count * 2)" } }
$h = @{ Key = 'value'; 'quoted key' = 1..5; Nested = @{ x = [int]'42' } }
$s = @"
here-string with $($h.Key) and `t escapes
"@
switch -Wildcard ($Names) { 'a*' { 'A' } default { break } }
try { throw [System.InvalidOperationException]'no' } catch [System.Exception] { $_.Exception.Message } finally { 'done' }
foreach ($i in 1..$Count) { if ($i -band 1) { continue } elseif ($i -gt 2) { $i } else { $null = $i } }
Get-StorageGroupCopyStatus | Where-Object { $_.CopyQueueLength -gt 0 } | Sort-Object Name -Descending | Select-Object -First 1
$a, $b = $b, $a; $x += ,@(1, 2); [math]::Max(1, 2); $obj.Prop[0].Method('arg')::Static
& { param($p) $p } -p 1; . $script:fn; $env:PATH -split ':' -join ';' -replace '\\', '/'
