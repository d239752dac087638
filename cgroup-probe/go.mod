module gomemlimit-lab/cgroup-probe

go 1.21
