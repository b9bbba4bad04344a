# deploy/images.mk - worker images (OCI layouts, no Docker engine) and the
# registry push.
#
#   make images                      every workers/*/Dockerfile -> build/images/W/oci
#   make push REGISTRY=HOST[:PORT]   skopeo copy to HOST/scratchwork/W:TAG
#   make update-ca                   refresh deploy/ca/ from ca-certificates
#
# Needs buildah, skopeo (Debian packages); builds as root, offline.

# Workers with an image: every directory of workers/ holding a Dockerfile.
IMAGE_WORKERS := $(sort $(patsubst workers/%/Dockerfile,%,$(wildcard workers/*/Dockerfile)))
IMAGES_DIR ?= $(BUILD)/images
# Where each worker's static binary comes from (build/bin/W by default).
IMAGE_BIN_DIR ?= $(BUILD)/bin
IMAGE_DIGESTS := $(IMAGE_WORKERS:%=$(IMAGES_DIR)/%/digest)
# Push tag; empty: the git commit (deploy/push.sh).
TAG ?=

$(IMAGE_DIGESTS): $(IMAGES_DIR)/%/digest: $(IMAGE_BIN_DIR)/% workers/%/Dockerfile \
                  deploy/ca/ca-certificates.crt deploy/images.sh
	deploy/images.sh --out $(IMAGES_DIR) --bin-dir $(IMAGE_BIN_DIR) $*

.PHONY: images push update-ca
# Rebuilds only what changed, then prints every image's digest and size.
images: $(IMAGE_DIGESTS)
	@$(if $(IMAGE_WORKERS),deploy/images.sh --out $(IMAGES_DIR) --summary \
	    $(IMAGE_WORKERS),echo "images: no workers/*/Dockerfile")

push: images
	@test -n "$(REGISTRY)" || { echo "make push: set REGISTRY=host[:port]" >&2; exit 2; }
	$(if $(IMAGE_WORKERS),deploy/push.sh --out $(IMAGES_DIR) \
	    --registry $(REGISTRY) $(if $(TAG),--tag $(TAG)) $(IMAGE_WORKERS))

update-ca:
	deploy/update-ca.sh
