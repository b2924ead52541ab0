"""hydra against the city portal's login form (HTTP POST; a failure is the
form again, "Login failed"): 30 tries with 4 tasks, the last one right."""
import benign
import hydra

NAME = 'hydra-http'
KIND = 'brute-force'
TOOLS = ['hydra', 'lighttpd', 'dnsmasq', 'mosquitto', 'tcpdump']
FAST = False
EXPECT = [100206]
DETECTORS = ['brute']


def run(lab, ctx):
    return hydra.run(lab, ctx, 'http', benign.WEB, lambda lab, ctx: None, tries=30,
                     user='operator', password='street-lights-42',
                     target='http-post-form://%s/cgi-bin/login.py:user=^USER^&pass=^PASS^:'
                            'F=Login failed' % benign.WEB)
