module progjar

go 1.26
