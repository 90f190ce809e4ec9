# sdn-script: get_cluster
# Describe the cluster this node belongs to; exists=false when it is in none.
$ErrorActionPreference = "Stop"
$ProgressPreference = "SilentlyContinue"
Import-Module FailoverClusters
function Get-SdnCluster {
    $c = Get-Cluster -ErrorAction SilentlyContinue
    if (-not $c) { return [ordered]@{ exists = $false } }
    $nodes = @(Get-ClusterNode -InputObject $c | ForEach-Object { [ordered]@{ name = $_.Name; state = "$($_.State)" } })
    $ip = Get-ClusterResource -InputObject $c -Name "Cluster IP Address" -ErrorAction SilentlyContinue
    $ipInfo = $null
    $static = $null
    if ($ip) {
        $p = @{}
        foreach ($x in (Get-ClusterParameter -InputObject $ip)) { $p[$x.Name] = $x.Value }
        $ipInfo = [ordered]@{ name = $ip.Name; state = "$($ip.State)"; owner_node = "$($ip.OwnerNode)"; parameters = $p }
        if ("$($p.EnableDhcp)" -eq "0") { $static = $p.Address }
    }
    [ordered]@{ exists = $true; name = $c.Name; nodes = $nodes; static_address = $static; ip_resource = $ipInfo }
}
try {
    Get-SdnCluster | ConvertTo-Json -Depth 6 -Compress
} catch {
    $e = $_
    $record = [ordered]@{
        message = $e.Exception.Message
        category = "$($e.CategoryInfo.Category)"
        cmdlet = "$($e.InvocationInfo.MyCommand.Name)"
        fullyQualifiedErrorId = "$($e.FullyQualifiedErrorId)"
    }
    @{ error = $record } | ConvertTo-Json -Depth 6 -Compress
    exit 1
}
