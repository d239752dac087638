module gomemlimit-lab/go-sample

go 1.21
