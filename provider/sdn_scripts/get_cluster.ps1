# sdn-script: get_cluster
# Describe the local cluster; exists=false only when this node is not a cluster member.
try {
    Write-SdnResult (Get-SdnCluster)
} catch {
    Write-SdnError $_
    exit 1
}
