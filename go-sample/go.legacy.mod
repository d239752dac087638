// Used only for toolchains older than Go 1.21 (the Go-version axis), which
// cannot read go.mod's 1.21.0 line; automemlimit is left out there.
module gomemlimit-lab/go-sample

go 1.19
