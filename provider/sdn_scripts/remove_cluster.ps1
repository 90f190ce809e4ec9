# sdn-script: remove_cluster
# Destroy the cluster and its computer object.
$ErrorActionPreference = "Stop"
$ProgressPreference = "SilentlyContinue"
Import-Module FailoverClusters
try {
    Remove-Cluster -Cluster ([string]$SdnInput.cluster) -Force -CleanupAD | Out-Null
    [ordered]@{ removed = $true } | ConvertTo-Json -Depth 6 -Compress
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
