#!/usr/bin/env python3
"""test_ec2 - sw/ec2.h (RunInstances, TerminateInstances, DescribeInstances)
through tests/helpers/sw_ec2, against moto_server with IAM auth on, signed
as a user allowed only ec2:RunInstances/TerminateInstances/
DescribeInstances (Resource "*": moto matches Resources only against "*").

- RunInstances with everything: moto stores what was sent, read back with
  boto3 as the admin: image, type, spot market (lifecycle "spot"), the
  instance profile by ARN, the subnet, tags (with a space, '/', '~' and
  UTF-8 in a value), the ClientToken, IMDSv2 required, and the user data
  (DescribeInstanceAttribute userData, base64) byte for byte, including
  binary bytes and 16 KiB at the limit;
- ClientToken idempotency: moto 5 records the token but does NOT implement
  EC2's idempotency (a repeated call launches a second instance), so the
  test asserts what moto can show (the token is stored and echoed) and a
  repeated call is checked to give a valid instance; real EC2 returns the
  first instance (documented in sw/ec2.h); the jobs-api launcher must not
  rely on moto for that;
- DescribeInstances: running after launch, terminated after
  TerminateInstances; terminating again succeeds (EC2's behaviour);
- errors: an unknown instance profile is final (exit 2, one attempt), an unknown
  instance id on describe/terminate gives InvalidInstanceID.NotFound; a
  user without ec2:TerminateInstances is denied (exit 2);
- bad input (token, AMI, tag, user data > 16 KiB) is refused before any
  call: the endpoint is a closed port, so a call would be a network error.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__) + "/../lib")
from swtest import TEST_BIN, Moto, Tap, free_port  # noqa: E402

DRV = os.path.join(TEST_BIN, "sw_ec2")
AMI = "ami-12c6146b"  # one of the AMIs moto ships (moto/ec2/resources)

t = Tap()
moto = Moto()
POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow",
    "Action": ["ec2:RunInstances", "ec2:TerminateInstances",
               "ec2:DescribeInstances"],
    "Resource": "*"}]}
launcher = moto.user("launcher", POLICY)
no_term = moto.user("noterm", {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["ec2:RunInstances"], "Resource": "*"}]})
ec2 = moto.admin("ec2")
iam = moto.admin("iam")
tmp = tempfile.TemporaryDirectory()


def drv(key, *args, endpoint=None):
    """Runs the driver; returns (exit code, parsed line)."""
    env = moto.env(key)
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    p = subprocess.run([DRV, *args], env=env, capture_output=True,
                       text=True, timeout=60)
    try:
        line = json.loads(p.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        line = {"stdout": p.stdout, "stderr": p.stderr}
    return p.returncode, line


def user_data_file(data):
    path = os.path.join(tmp.name, "ud")
    with open(path, "wb") as f:
        f.write(data)
    return path


def user_data_of(iid):
    a = ec2.describe_instance_attribute(InstanceId=iid, Attribute="userData")
    return base64.b64decode(a["UserData"]["Value"])


def describe(iid):
    return ec2.describe_instances(
        InstanceIds=[iid])["Reservations"][0]["Instances"][0]


# ---- RunInstances, read back -------------------------------------------

prof = iam.create_instance_profile(InstanceProfileName="agent-profile")
prof_arn = prof["InstanceProfile"]["Arn"]
vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"][
    "SubnetId"]
sg = ec2.create_security_group(GroupName="agent", Description="agent",
                               VpcId=vpc)["GroupId"]
ud = (b"#!/bin/sh\nexport SPOT_AGENT_JOB_ID='job 1'\n"
      b"\x00\xff\xfe binary tail ~+/=\n")
rc, out = drv(launcher, "run", "--image", AMI, "--type", "t3.micro",
              "--token", "job-1.attempt-1", "--profile", prof_arn,
              "--subnet", subnet, "--sg", sg,
              "--tag", "scratchwork:job=job 1/a~b caf\u00e9",
              "--tag", "Name=spot-agent",
              "--user-data-file", user_data_file(ud))
t.eq(rc, 0, "RunInstances with every option: exit 0")
iid = out.get("instanceId", "")
t.ok(iid.startswith("i-"), "an instance id came back", out)
if iid:
    inst = describe(iid)
    t.eq(inst["ImageId"], AMI, "image stored")
    t.eq(inst["InstanceType"], "t3.micro", "type stored")
    t.eq(inst.get("InstanceLifecycle"), "spot", "launched on the spot market")
    t.eq(inst.get("SubnetId"), subnet, "subnet stored")
    t.eq([g["GroupId"] for g in inst.get("SecurityGroups", [])], [sg],
         "security group stored")
    t.eq(inst.get("IamInstanceProfile", {}).get("Arn"), prof_arn,
         "instance profile by ARN")
    tags = {x["Key"]: x["Value"] for x in inst.get("Tags", [])}
    t.eq(tags, {"scratchwork:job": "job 1/a~b caf\u00e9",
                "Name": "spot-agent"}, "tags stored exactly (space / ~ UTF-8)")
    t.eq(inst.get("ClientToken"), "job-1.attempt-1", "ClientToken stored")
    t.eq(inst.get("MetadataOptions", {}).get("HttpTokens"), "required",
         "IMDSv2 required")
    t.eq(user_data_of(iid), ud, "userData equals the bytes sent (binary)")

# The same token again: real EC2 answers with the first instance; moto
# launches another (see the docstring), so only validity is asserted.
rc, again = drv(launcher, "run", "--image", AMI, "--type", "t3.micro",
                "--token", "job-1.attempt-1", "--profile", prof_arn)
t.ok(rc == 0 and again.get("instanceId", "").startswith("i-"),
     "a repeated RunInstances with the same token succeeds", again)

# 16 KiB of user data, the limit, every byte value.
big = bytes(range(256)) * 64
rc, out2 = drv(launcher, "run", "--image", AMI, "--type", "t3.nano",
               "--token", "big-1", "--user-data-file", user_data_file(big))
t.eq(rc, 0, "16 KiB of user data accepted")
if rc == 0:
    t.eq(user_data_of(out2["instanceId"]), big,
         "16 KiB userData read back byte for byte")

# ---- describe / terminate ----------------------------------------------

if iid:
    rc, st = drv(launcher, "describe", iid)
    t.ok(rc == 0 and st.get("state") in ("pending", "running"),
         "DescribeInstances: pending or running after launch", st)
    rc, out = drv(no_term, "terminate", iid)
    t.ok(rc == 2 and out.get("http_status") in (401, 403),
         "a user without ec2:TerminateInstances is denied (exit 2)", out)
    rc, out = drv(launcher, "terminate", iid, again.get("instanceId", iid))
    t.eq(rc, 0, "TerminateInstances of two ids: exit 0")
    rc, st = drv(launcher, "describe", iid)
    t.eq(st.get("state"), "terminated", "DescribeInstances: terminated")
    t.eq(ec2.describe_instances(InstanceIds=[again["instanceId"]])[
        "Reservations"][0]["Instances"][0]["State"]["Name"], "terminated",
        "the second id terminated too (boto3 view)")
    rc, out = drv(launcher, "terminate", iid)
    t.eq(rc, 0, "terminating a terminated instance succeeds")

rc, out = drv(launcher, "describe", "i-0000000000000dead")
t.ok(rc == 2 and out.get("code") == "InvalidInstanceID.NotFound",
     "describe of an unknown id: InvalidInstanceID.NotFound, exit 2", out)
rc, out = drv(launcher, "terminate", "i-0000000000000dead")
t.ok(rc == 2 and out.get("code") == "InvalidInstanceID.NotFound",
     "terminate of an unknown id: InvalidInstanceID.NotFound, exit 2", out)
# (moto launches any AMI id, so an unknown profile is the final 4xx here)
rc, out = drv(launcher, "run", "--image", AMI, "--type", "t3.micro",
              "--token", "bad-profile", "--profile", "no-such-profile")
t.ok(rc == 2 and out.get("attempts") == 1 and out.get("code") == "NoSuchEntity",
     "an unknown instance profile is final: exit 2 after one attempt", out)

# ---- bad input: refused locally (closed port) ----------------------------

closed = f"http://127.0.0.1:{free_port()}"
for args, what in [
        (["run", "--image", AMI, "--type", "t3.micro", "--token", ""],
         "empty client token"),
        (["run", "--image", AMI, "--type", "t3.micro", "--token", "x" * 65],
         "65-character client token"),
        (["run", "--image", "img-1", "--type", "t3.micro", "--token", "t"],
         "image id not ami-"),
        (["run", "--image", AMI, "--type", "t3.micro", "--token", "t",
          "--tag", "aws:x=1"], "reserved tag key"),
        (["run", "--image", AMI, "--type", "t3.micro", "--token", "t",
          "--user-data-file", user_data_file(b"x" * 16385)],
         "user data of 16 KiB + 1"),
        (["terminate", "i-zz"], "malformed instance id")]:
    rc, out = drv(launcher, *args, endpoint=closed)
    t.ok(rc == 2 and out.get("result") == "invalid input" and
         out.get("attempts") == 0, f"refused before any call: {what}", out)

# a valid request does reach the closed port (so the above proves no call)
rc, out = drv(launcher, "run", "--image", AMI, "--type", "t3.micro",
              "--token", "t", endpoint=closed)
t.eq(rc, 3, "a valid request to a closed port: transient, exit 3")

moto.stop()
tmp.cleanup()
t.done()
