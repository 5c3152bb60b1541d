import AutodiscoverCore
import Testing

@Suite("Request targets")
struct IncomingRequestTests {
    @Test(
        "A query parameter is found by its decoded name, case-insensitively, the first one winning, and decoded",
        arguments: [
            ("/p?emailaddress=a@b.example", "emailaddress", "a@b.example"),
            ("/p?EmailAddress=a@b.example", "emailaddress", "a@b.example"),
            ("/p?x=1&emailaddress=a%40b.example&emailaddress=c@d.example", "emailaddress", "a@b.example"),
            ("/p?email%61ddress=a@b.example", "emailaddress", "a@b.example"),
            ("/p?email+address=x", "email address", "x"),
            ("/p?q=a+b%2Bc%zz", "q", "a b+c%zz"),
            ("/p?&&q&r=1", "q", ""),
            ("/p?q=", "q", ""),
            ("/p?q=%C3%A9", "q", "é"),
        ] as [(String, String, String)])
    func found(_ target: String, _ name: String, _ value: String) {
        #expect(IncomingRequest(method: "GET", target: target, host: nil).queryValue(name) == value)
    }

    @Test("Absent parameters, and targets without a query", arguments: ["/p", "/p?", "/p?emailaddres=x", "/p?x=emailaddress"])
    func absent(_ target: String) {
        #expect(IncomingRequest(method: "GET", target: target, host: nil).queryValue("emailaddress") == nil)
    }

    @Test("Path and query are cut at the first ?")
    func split() {
        let request = IncomingRequest(method: "get", target: "/a/b?c=d?e", host: nil)
        #expect(request.path == "/a/b")
        #expect(request.queryText == "c=d?e")
        #expect(request.queryValue("c") == "d?e")
        #expect(request.method == "GET")
    }
}
