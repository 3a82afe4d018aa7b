# The .deb: `cmake --build --preset release --target package` (or packaging/build-deb.sh, which also checks it).
# Depends come from the binaries (dpkg-shlibdeps over ripen, ripen-cli and the sentencepiece module), so a
# rebuild against other library versions states its own.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ripen)
set(CPACK_PACKAGE_VENDOR "The Ripen developers")
set(CPACK_PACKAGE_CONTACT "The Ripen developers <ripen@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "image-generation studio for Stable Diffusion models")
# CPack writes the summary as the synopsis and indents these lines itself; "." is a blank line.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Ripen explores image ideas fast and ripens the ones you like: adaptive fast
drafts stop once more steps would not change the picture, a draft promoted
to a quality render keeps its composition, and the two compare side by side.
.
It loads Stable Diffusion 1.x, 2.x and SDXL models (diffusers folders and
single files), LoRA and LyCORIS networks and embeddings, does image to
image, inpainting and outpainting, and keeps a seed library that imports
AUTOMATIC1111 and ComfyUI images. A small built-in model makes it draw
without a download. ripen-cli runs the same engine on the command line.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/ripen/ripen")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The studio's Qt platform plugins are dlopen'ed, so shlibdeps cannot see them; xcb is the one a desktop needs.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "xdg-utils")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
