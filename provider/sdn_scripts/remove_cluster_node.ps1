# sdn-script: remove_cluster_node
# Evict a node from the local cluster.
try {
    Assert-SdnCluster ([string]$SdnInput.cluster) | Out-Null
    Remove-ClusterNode -Name ([string]$SdnInput.node) -Force | Out-Null
    Write-SdnResult (Get-SdnCluster)
} catch {
    Write-SdnError $_
    exit 1
}
