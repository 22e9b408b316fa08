package io.lbkit.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class EndpointFileTest {

    @Test
    void parse_readsHostPortWeightZoneCommentsAndIpv6() throws Exception {
        List<Endpoint> e = EndpointFile.parse(String.join("\n",
                "# orders",
                "",
                "10.0.0.1:8080",
                "  10.0.0.2:8080 5 eu-1a   # trailing comment",
                "[2001:db8::7]:8080 eu-1b",
                "orders-3.internal:9090\t2\r",
                ""));
        assertEquals(List.of(
                Endpoint.of("10.0.0.1", 8080),
                Endpoint.builder("10.0.0.2", 8080).weight(5).zone("eu-1a").build(),
                Endpoint.builder("2001:db8::7", 8080).zone("eu-1b").build(),
                Endpoint.of("orders-3.internal", 9090, 2)), e);
    }

    @Test
    void parse_emptyOrCommentsOnly_givesNoEndpoints() throws Exception {
        assertEquals(List.of(), EndpointFile.parse("# nothing here\n\n"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "10.0.0.1                      | 2 | expected host:port",
        "10.0.0.1:0                    | 2 | port must be in 1..65535, was 0",
        "10.0.0.1:99999                | 2 | port must be in 1..65535, was 99999",
        "10.0.0.1:http                 | 2 | port must be an integer",
        "10.0.0.1:80 0                 | 2 | weight must be in 1..65535, was 0",
        "10.0.0.1:80 70000             | 2 | weight must be in 1..65535, was 70000",
        "10.0.0.1:80 eu-1a 5           | 2 | the weight comes before the zone",
        "10.0.0.1:80 1 eu-1a extra     | 2 | found 4 fields",
        "2001:db8::1:80                | 2 | IPv6 literals need brackets",
        "[2001:db8::1]80               | 2 | expected [ipv6]:port",
        ":80                           | 2 | empty host",
        "10.0.0.9:80\\n10.0.0.9:80 3  | 3 | duplicate address 10.0.0.9:80, first listed on line 2",
    })
    void parse_rejectsMalformedLineNamingItsNumber(String line, int lineNo, String message) {
        String content = "10.0.0.100:80  # good\n" + line.replace("\\n", "\n") + "\n";
        EndpointFile.MalformedException e = assertThrows(EndpointFile.MalformedException.class,
                () -> EndpointFile.parse(content));
        assertEquals(lineNo, e.line());
        assertTrue(e.getMessage().startsWith("line " + lineNo + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
