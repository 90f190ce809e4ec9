[Console]::OutputEncoding = New-Object Text.UTF8Encoding $false
$SdnStdin = @($input)
$SdnInput = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($SdnStdin[1])) | ConvertFrom-Json
& ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($SdnStdin[0]))))
