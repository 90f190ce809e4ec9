terraform import 'sdn_backend_pool_member.node["DB1"]' \
  'ClusterNode1_Network-Adapter/ipconfig1|/loadBalancers/MyNetwork_InternalVIP/backendAddressPools/Backend1'
