# sdn-script: remove_cluster
# Destroy the local cluster and its computer object.
try {
    Assert-SdnCluster ([string]$SdnInput.cluster) | Out-Null
    Remove-Cluster -Force -CleanupAD | Out-Null
    Write-SdnResult ([ordered]@{ removed = $true })
} catch {
    Write-SdnError $_
    exit 1
}
