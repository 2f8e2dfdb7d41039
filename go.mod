module progjar

go 1.22
