terraform import sdn_cluster_ip_address.vip 'DB1/Cluster IP Address'
