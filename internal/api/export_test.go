package api

// ReadPosts are the POSTs that only read, for the tests.
var ReadPosts = readPosts
