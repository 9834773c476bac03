module socksify.test/fetch

go 1.19
