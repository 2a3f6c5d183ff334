module tracelens/samples/logs/go

go 1.19
