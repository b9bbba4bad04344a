# deploy/deploy.mk - the AWS side, through the AWS CLI (deploy/deploy.py).
#
#   make deploy REGION=eu-west-1 [DRY_RUN=1]   IAM, DynamoDB, Batch, EventBridge
#   make destroy REGION=eu-west-1 [KEEP_TABLES=1]   what deploy made, tagged only
#   make push REGION=eu-west-1                 ECR repositories, then the images
#   make ecr-repos REGION=eu-west-1            the ECR repositories only
#
# Optional: ACCOUNT (else sts get-caller-identity), WORKERS (default: every
# workers/*/deploy.json), SUBNETS + SECURITY_GROUP (default: the default
# VPC's), ASSIGN_PUBLIC_IP (ENABLED), MAX_VCPUS (16), DEPLOY_JOBS (4 aws
# calls at once across workers). Credentials and endpoints are the AWS CLI's
# own (AWS_PROFILE, AWS_ENDPOINT_URL, ...).

DEPLOY_VARS := REGION ACCOUNT WORKERS SUBNETS SECURITY_GROUP ASSIGN_PUBLIC_IP \
               MAX_VCPUS IMAGES_DIR DRY_RUN KEEP_TABLES CONFIG_DIR DEPLOY_JOBS
# Each setting reaches deploy.py in its environment, quoted for the shell.
DEPLOY_ENV = $(foreach v,$(DEPLOY_VARS),$(v)='$(subst ','\'',$($(v)))')
DEPLOY = env $(DEPLOY_ENV) python3 deploy/deploy.py

# make push: with REGION (and no REGISTRY) the registry is the account's ECR;
# ECR_REPOS=1 creates the repositories even for another REGISTRY (tests:
# ECR API on moto, image bytes to a local registry).
# Only evaluated for `make push`, so no other goal makes an AWS call here.
ifneq ($(filter push,$(MAKECMDGOALS)),)
REGISTRY ?= $(if $(REGION),$(shell $(DEPLOY) registry))
ECR_REPOS ?= $(if $(findstring .dkr.ecr.,$(REGISTRY)),1)
endif

.PHONY: deploy destroy ecr-repos
deploy:
	@$(DEPLOY) deploy

destroy:
	@$(DEPLOY) destroy

ecr-repos:
	@$(DEPLOY) ecr-repos

# Repositories before the images go up (push itself is in images.mk).
push: $(if $(filter 1,$(ECR_REPOS)),ecr-repos)
