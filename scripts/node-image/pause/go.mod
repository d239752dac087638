module gomemlimit-lab/pause

go 1.21
