// HaproxyProxy: the configuration it writes, how it reads HAProxy's
// statistics, and the real thing (Debian's HAProxy) in front of two small
// HTTP servers of this process: start, add a server that takes requests
// only once its check passes, drain, remove, reload, kill -9, stop.
#include "lb/haproxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <httplib.h>

#include "base/testing.h"

namespace imago::lb {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

compute::HealthCheck Check(const std::string& path) {
  compute::HealthCheck c;
  c.type = "HTTP";
  c.http.emplace();
  c.http->port = 80;
  c.http->request_path = path;
  c.check_interval_sec = 1;
  c.timeout_sec = 1;
  c.healthy_threshold = 2;
  c.unhealthy_threshold = 2;
  return c;
}

TEST(HaproxyConfigTest, RendersFrontendsBackendsAndServers) {
  ProxyConfig c;
  c.frontends.push_back({"web-fr", "127.0.0.1", 8080, "web-bs"});
  ProxyBackend b;
  b.name = "web-bs";
  b.check = Check("/health check#1");  // Nothing of a path can break the file.
  b.timeout_sec = 45;
  b.servers.push_back({"web-1.local-a", "u1", "127.0.0.1", 40001, 40002, 50, false});
  b.servers.push_back({"web-2.local-a", "u2", "127.0.0.1", 40003, 40003, 100, true});
  c.backends.push_back(b);
  ProxyState known;
  known["web-bs"]["web-1.local-a"] = ServerState{"127.0.0.1", 40001};
  known["web-bs"]["web-2.local-a"] = ServerState{"127.0.0.1", 40003};
  const std::string full = RenderFull(c, "/h/lb", known);
  EXPECT_NE(full.find("frontend fe-web-fr\n  bind 127.0.0.1:8080\n  default_backend be-web-bs\n"),
            std::string::npos)
      << full;
  EXPECT_NE(full.find("  timeout server 45s\n"), std::string::npos);
  EXPECT_NE(full.find("http-check send meth GET uri /health%20check%231\n"), std::string::npos);
  EXPECT_NE(full.find("  server web-1.local-a 127.0.0.1:40001 check port 40002 inter 1s fall 2 "
                      "rise 2 weight 50 maxconn 2\n"),
            std::string::npos);
  // A draining server is not written: the old worker keeps its requests.
  EXPECT_EQ(full.find("web-2.local-a"), std::string::npos);
  EXPECT_NE(full.find("stats socket /h/lb/admin.sock"), std::string::npos);
  // A server the proxy does not have (or has at another port) is not
  // written: it would start UP before any check; it is added at run time.
  EXPECT_EQ(RenderFull(c, "/h/lb", {}).find("  server "), std::string::npos);
  known["web-bs"]["web-1.local-a"].port = 40009;
  EXPECT_EQ(RenderFull(c, "/h/lb", known).find("web-1.local-a"), std::string::npos);
  const std::string skeleton = RenderSkeleton(c, "/h/lb");
  EXPECT_EQ(skeleton.find("  server "), std::string::npos);
  b.check.type = "TCP";
  b.check.http.reset();
  b.check.tcp.emplace();
  b.check.tcp->request = "PING\n";
  b.check.tcp->response = "+PONG";
  c.backends[0] = b;
  const std::string tcp = RenderFull(c, "/h/lb", known);
  EXPECT_NE(tcp.find("tcp-check send-binary 50494e470a\n"), std::string::npos) << tcp;
  EXPECT_NE(tcp.find("tcp-check expect binary 2b504f4e47\n"), std::string::npos);
}

TEST(HaproxyConfigTest, ParsesShowStat) {
  const std::string csv =
      "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,"
      "wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,"
      "lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,"
      "hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,"
      "cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,"
      "ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,"
      "check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,\n"
      "fe-web-fr,FRONTEND,,,0,1,2000,5,,,,,,,,,,OPEN,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"
      ","
      ",,,,,,,,,\n"
      "be-web-bs,web-1.local-a,0,0,3,4,,9,,,,,,0,0,0,0,UP,100,1,0,0,0,1,0,,1,3,1,,9,,2,0,,1,"
      "L7OK,200,1,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,127.0.0.1:40001,\n"
      "be-web-bs,web-2.local-a,0,0,0,4,,9,,,,,,0,0,0,0,DOWN 1/2,50,1,0,0,0,1,0,,1,3,2,,9,,2,0,,"
      "1,L4CON,,1,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,127.0.0.1:40003,\n"
      "be-web-bs,web-3.local-a,0,0,1,4,,9,,,,,,0,0,0,0,DRAIN,0,1,0,0,0,1,0,,1,3,3,,9,,2,0,,1,"
      "L7OK,200,1,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,127.0.0.1:40005,\n"
      "be-web-bs,BACKEND,0,0,4,4,200,9,,,,,,0,0,0,0,UP,150,1,0,,0,1,0,,1,3,0,,9,,1,0,,1,,,,,,,,,,,,"
      ",,,,,,,,,,,,,,,,,,,,,,,,,\n";
  ProxyState s = ParseShowStat(csv);
  ASSERT_EQ(s.size(), 1u);
  const auto& b = s["web-bs"];
  ASSERT_EQ(b.size(), 3u);
  EXPECT_TRUE(b.at("web-1.local-a").up);
  EXPECT_EQ(b.at("web-1.local-a").sessions, 3);
  EXPECT_EQ(b.at("web-1.local-a").port, 40001);
  EXPECT_EQ(b.at("web-1.local-a").weight, 100);
  EXPECT_FALSE(b.at("web-2.local-a").up);  // "DOWN 1/2": going up, not up.
  EXPECT_TRUE(b.at("web-3.local-a").draining);
  EXPECT_EQ(b.at("web-3.local-a").address, "127.0.0.1");
}

// A small HTTP server: / answers `name`, /health answers 200.
class Backend {
 public:
  explicit Backend(std::string name) : name_(std::move(name)) {
    srv_.Get("/", [this](const httplib::Request&, httplib::Response& r) {
      r.set_content(name_, "text/plain");
    });
    srv_.Get("/health", [](const httplib::Request&, httplib::Response& r) {
      r.set_content("ok", "text/plain");
    });
    port_ = srv_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { srv_.listen_after_bind(); });
  }
  ~Backend() {
    srv_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::string name_;
  httplib::Server srv_;
  int port_ = 0;
  std::thread thread_;
};

class HaproxyTest : public ::testing::Test {
 protected:
  void TearDown() override { (void)proxy_.Stop(); }

  std::string Get() {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(2);
    auto r = c.Get("/");
    return r ? r->body : "(no answer)";
  }
  // The answers to `n` requests, as a set.
  std::set<std::string> Answers(int n) {
    std::set<std::string> out;
    for (int i = 0; i < n; ++i) out.insert(Get());
    return out;
  }
  // Waits up to 10 s for `pred` on the proxy's state.
  bool WaitFor(const std::function<bool(const ProxyState&)>& pred) {
    for (int i = 0; i < 100; ++i) {
      auto s = proxy_.Read();
      if (s.ok() && pred(*s)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  ProxyConfig Config(std::vector<ProxyServer> servers) {
    ProxyConfig c;
    c.frontends.push_back({"fr", "127.0.0.1", port_, "bs"});
    ProxyBackend b;
    b.name = "bs";
    b.check = Check("/health");
    b.servers = std::move(servers);
    c.backends.push_back(b);
    return c;
  }
  ProxyServer Server(const std::string& name, const Backend& be, bool draining = false) {
    return {name, "", "127.0.0.1", be.port(), be.port(), 100, draining};
  }

  base::TempDir dir_;
  HaproxyProxy proxy_{dir_.path() + "/lb"};
  int port_ = FreePort();
  Backend a_{"a"}, b_{"b"};
};

TEST_F(HaproxyTest, ServesAddsDrainsRemovesReloadsAndComesBack) {
  // A new proxy's server, too, takes requests only once its check passed
  // (one in the configuration file would start UP, unchecked).
  ASSERT_TRUE(proxy_.Apply(Config({Server("a", a_)})).ok());
  ASSERT_GT(proxy_.RunningPid(), 0);
  auto first = proxy_.Read();
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE((*first)["bs"].at("a").up);
  ASSERT_TRUE(WaitFor([](const ProxyState& s) { return s.at("bs").at("a").up; }));
  EXPECT_EQ(Answers(4), (std::set<std::string>{"a"}));

  // b is added DOWN, and takes requests once two checks passed.
  ASSERT_TRUE(proxy_.Apply(Config({Server("a", a_), Server("b", b_)})).ok());
  auto st = proxy_.Read();
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE((*st)["bs"].at("b").up);
  ASSERT_TRUE(WaitFor([](const ProxyState& s) { return s.at("bs").at("b").up; }));
  EXPECT_EQ(Answers(6), (std::set<std::string>{"a", "b"}));

  // a drains: b alone gets what is new; then a is removed.
  ASSERT_TRUE(proxy_.Apply(Config({Server("a", a_, true), Server("b", b_)})).ok());
  EXPECT_EQ(Answers(6), (std::set<std::string>{"b"}));
  ASSERT_TRUE(proxy_.Apply(Config({Server("b", b_)})).ok());
  st = proxy_.Read();
  EXPECT_EQ((*st)["bs"].count("a"), 0u);

  // A new frontend setting is a reload: the same master, still serving.
  const int master = proxy_.RunningPid();
  ProxyConfig c = Config({Server("b", b_)});
  c.backends[0].timeout_sec = 10;
  ASSERT_TRUE(proxy_.Apply(c).ok());
  EXPECT_EQ(proxy_.RunningPid(), master);
  EXPECT_EQ(Answers(3), (std::set<std::string>{"b"}));

  // A reload that brings a new server: b keeps its state, a starts DOWN.
  ProxyConfig c2 = Config({Server("b", b_), Server("a", a_)});
  c2.backends[0].timeout_sec = 11;
  ASSERT_TRUE(proxy_.Apply(c2).ok());
  st = proxy_.Read();
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE((*st)["bs"].at("b").up);
  EXPECT_FALSE((*st)["bs"].at("a").up);
  EXPECT_EQ(Answers(3), (std::set<std::string>{"b"}));

  // kill -9 of HAProxy: the next Apply starts it again.
  kill(master, SIGKILL);
  for (int i = 0; i < 50 && proxy_.RunningPid() != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(proxy_.RunningPid(), 0);
  ASSERT_TRUE(proxy_.Apply(c).ok());
  EXPECT_NE(proxy_.RunningPid(), 0);
  ASSERT_TRUE(WaitFor([](const ProxyState& s) { return s.at("bs").at("b").up; }));
  EXPECT_EQ(Answers(3), (std::set<std::string>{"b"}));

  // Nothing to serve: it stops, and the port is free again.
  ASSERT_TRUE(proxy_.Apply(ProxyConfig{}).ok());
  EXPECT_EQ(proxy_.RunningPid(), 0);
  EXPECT_EQ(Get(), "(no answer)");
}

}  // namespace
}  // namespace imago::lb
